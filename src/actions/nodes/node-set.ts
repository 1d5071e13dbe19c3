/** Inputs shared by the node actions: which nodes to act on. */
import type { V1Node } from '@kubernetes/client-node';
import Type from 'typebox';
import type { Permission } from '../../kube/access.ts';
import { cordonedBy, type NodeSet, nodeName, selectNodes, setUnschedulable } from '../../kube/nodes.ts';
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

/**
 * cordon and uncordon: the same field, in opposite directions. The state found is the state left:
 * uncordon takes back only the cordons of its own run (journaled by earlier steps), so a node
 * someone cordoned before the drill stays cordoned, unless `all` says otherwise.
 */
export function schedulingAction(unschedulable: boolean) {
  const verb = unschedulable ? 'cordon' : 'uncordon';
  return {
    plan: async (set: NodeSet & { all?: boolean }, context: PlanContext): Promise<Plan> => {
      const nodes = await selectNodes(await context.cluster(), set);
      const changing = nodes.filter((n) => (n.spec?.unschedulable ?? false) !== unschedulable);
      const scope = unschedulable || set.all ? '' : ' (those this run cordoned)';
      return {
        summary: `${verb} ${changing.length} of ${nodes.length} nodes${scope}: ${describeNodes(nodes)}`,
        details: nodes.map((n) => `${nodeName(n)}: ${n.spec?.unschedulable ? 'cordoned' : 'schedulable'}`),
      };
    },
    permissions: (): Permission[] => [readNodes, patchNodes],
    execute: async (set: NodeSet & { all?: boolean }, context: ExecuteContext): Promise<ActionResult> => {
      const cluster = await context.cluster();
      const nodes = await selectNodes(cluster, set);
      const ours = unschedulable || set.all ? undefined : cordonedBy(context.changes());
      const changed: string[] = [];
      for (const node of nodes) {
        context.signal.throwIfAborted();
        const name = nodeName(node);
        if (ours && !ours.has(name) && node.spec?.unschedulable) {
          context.progress(`left ${name} cordoned: it was cordoned before this run (all: true uncordons it)`, {
            node: name,
          });
          continue;
        }
        const done = await setUnschedulable(cluster, node, unschedulable, context.record);
        if (done) changed.push(name);
        context.progress(`${done ? `${verb}ed` : `already ${verb}ed`} ${name}`, { node: name });
      }
      return { outputs: { nodes: nodes.map(nodeName), changed } };
    },
  };
}
