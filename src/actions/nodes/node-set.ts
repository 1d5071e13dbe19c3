/** Inputs shared by the node actions: which nodes to act on. */
import type { V1Node } from '@kubernetes/client-node';
import Type from 'typebox';
import type { Permission } from '../../kube/access.ts';
import { type NodeSet, nodeName, selectNodes, setUnschedulable } from '../../kube/nodes.ts';
import { LabelSelector, NodeNames } from '../../runbook/inputs.ts';
import type { ActionResult, ExecuteContext, Plan, PlanContext } from '../action.ts';

export const nodeSetInputs = {
  selector: Type.Optional(LabelSelector('Label selector for the nodes; use this or `nodes`.')),
  nodes: Type.Optional(NodeNames()),
  allowAll: Type.Optional(
    Type.Boolean({
      default: false,
      description: 'Allow a selector that matches every node (empty, or wider than the safety limit).',
    }),
  ),
};

export const readNodes: Permission = { verb: 'list', group: '', resource: 'nodes' };
export const patchNodes: Permission = { verb: 'patch', group: '', resource: 'nodes' };

export function describeNodes(nodes: readonly V1Node[]): string {
  const names = nodes.map(nodeName);
  return names.length <= 6 ? names.join(', ') : `${names.slice(0, 6).join(', ')} and ${names.length - 6} more`;
}

/** cordon and uncordon: the same patch, in opposite directions. */
export function schedulingAction(unschedulable: boolean) {
  const verb = unschedulable ? 'cordon' : 'uncordon';
  return {
    plan: async (set: NodeSet, context: PlanContext): Promise<Plan> => {
      const nodes = await selectNodes(await context.cluster(), set);
      const changing = nodes.filter((n) => (n.spec?.unschedulable ?? false) !== unschedulable);
      return {
        summary: `${verb} ${changing.length} of ${nodes.length} nodes: ${describeNodes(nodes)}`,
        details: nodes.map((n) => `${nodeName(n)}: ${n.spec?.unschedulable ? 'cordoned' : 'schedulable'}`),
      };
    },
    permissions: (): Permission[] => [readNodes, patchNodes],
    execute: async (set: NodeSet, context: ExecuteContext): Promise<ActionResult> => {
      const cluster = await context.cluster();
      const nodes = await selectNodes(cluster, set);
      for (const node of nodes) {
        context.signal.throwIfAborted();
        const changed = await setUnschedulable(cluster, node, unschedulable);
        context.progress(`${changed ? `${verb}ed` : `already ${verb}ed`} ${nodeName(node)}`, { node: nodeName(node) });
      }
      return { outputs: { nodes: nodes.map(nodeName) } };
    },
  };
}
