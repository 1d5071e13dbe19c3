import Type from 'typebox';
import type { Cluster } from '../../kube/cluster.ts';
import { restoreGatewayFromRoutes } from '../../kube/traffic/gateway.ts';
import { restoreNodes } from '../../kube/traffic/nodes.ts';
import { patchBody, restorePatch } from '../../kube/traffic/patch.ts';
import { parseRestore, restoreTraffic } from '../../kube/traffic/restore.ts';
import { selectNodes, nodeName } from '../../kube/nodes.ts';
import { defineAction, type ExecuteContext } from '../action.ts';
import { strategyInputs, strategyRequirements } from './inputs.ts';
import { type DrainInput, describeStrategy, gatewayOptions, namespaceOf, strategyPermissions } from './strategy.ts';

const restoreInput = Type.Object(
  {
    restore: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'What traffic.drain changed: its `restore` output, as `${{ steps.<id>.outputs.restore }}`.',
      }),
    ),
    ...strategyInputs,
    strategy: Type.Optional(strategyInputs.strategy),
  },
  {
    additionalProperties: false,
    // Either the drain's record, or the drain's own inputs.
    oneOf: [{ required: ['restore'] }, { required: ['strategy'] }],
    allOf: strategyRequirements,
  },
);

export default defineAction({
  name: 'traffic.restore',
  summary: "Put back exactly what traffic.drain changed, from its recorded `restore` output or the drain's inputs.",
  mutating: true,
  input: restoreInput,
  outputs: { restored: 'What was put back, one line each.' },
  plan: (input) =>
    Promise.resolve({
      summary: input.restore
        ? `restore what traffic.drain recorded (${String(input.restore.strategy)})`
        : `undo: ${describeStrategy(input as DrainInput)}`,
    }),
  permissions: (input, namespace) => {
    const strategy = input.strategy ?? (input.restore?.strategy as DrainInput['strategy'] | undefined);
    return strategy ? strategyPermissions({ ...input, strategy }, input.namespace ?? namespace) : [];
  },
  execute: async (input, context) => {
    const cluster = await context.cluster();
    const restored = input.restore
      ? await restoreTraffic(cluster, parseRestore(input.restore), context.signal, context.record)
      : await restoreFromInputs(cluster, input as DrainInput, context);
    for (const line of restored) context.progress(line);
    return { outputs: { restored } };
  },
});

/**
 * Without the drain's record (a drain step that failed after changing things records nothing): the
 * routes carry their own record; workloads' replicas and pods' labels cannot be known and need the
 * record; a patch needs its reversePatch; nodes are the region's, uncordoned.
 */
async function restoreFromInputs(cluster: Cluster, input: DrainInput, context: ExecuteContext): Promise<string[]> {
  const { signal } = context;
  const namespace = namespaceOf(input, cluster);
  switch (input.strategy) {
    case 'gateway':
      return restoreGatewayFromRoutes(cluster, gatewayOptions(input, cluster), signal);
    case 'service':
      throw new Error(
        "restoring the service strategy needs the drain's record: restore: ${{ steps.<id>.outputs.restore }}",
      );
    case 'nodes': {
      const selector = input.selector ?? `${input.regionLabel ?? 'topology.kubernetes.io/region'}=${input.region}`;
      const nodes = await selectNodes(cluster, { selector, allowAll: input.allowAll });
      return restoreNodes(
        cluster,
        { strategy: 'nodes', cordoned: nodes.map(nodeName), evictedPods: [] },
        context.record,
      );
    }
    case 'patch': {
      if (!input.target || input.reversePatch === undefined) {
        throw new Error(
          "restoring a patch needs the drain's record (restore: ${{ steps.<id>.outputs.restore }}) or reversePatch",
        );
      }
      const type = input.type ?? 'merge';
      return restorePatch(
        cluster,
        {
          strategy: 'patch',
          target: { ...input.target, namespace: input.target.namespace ?? namespace },
          type,
          patch: patchBody(input.reversePatch, type, 'the reverse patch'),
        },
        signal,
      );
    }
  }
}
