// The `nodes` strategy's inputs, read as options of src/kube/traffic/nodes.ts: the region's nodes
// are cordoned and drained with nodes.drain's knobs. Without the drain's record, restore uncordons
// the nodes the inputs select.
import Type from 'typebox';
import { cordonedBy, nodeName, selectNodes } from '../../../kube/nodes.ts';
import { drainRegionNodes, type NodesRestore, restoreNodes } from '../../../kube/traffic/nodes.ts';
import { defaultOf, Duration, LabelSelector } from '../../../runbook/inputs.ts';
import { durationMs } from '../../../runbook/duration.ts';
import { listIn, regionLabelOf, type StrategyInput, type TrafficStrategy, verbs } from './strategy.ts';

const inputs = {
  selector: Type.Optional(LabelSelector('`nodes`: the nodes to drain; default: `regionLabel`=`region`.')),
  allowAll: Type.Optional(
    Type.Boolean({ default: false, description: '`nodes`: allow a selector matching most of the cluster.' }),
  ),
  podSelector: Type.Optional(LabelSelector('`nodes`: evict only the pods matching this label selector.')),
  gracePeriod: Type.Optional(
    Duration({
      allowZero: true,
      description: "`nodes`: termination grace period for evicted pods; default: each pod's own.",
    }),
  ),
  parallelism: Type.Optional(
    Type.Integer({ minimum: 1, default: 4, description: '`nodes`: how many nodes are drained at the same time.' }),
  ),
  force: Type.Optional(
    Type.Boolean({ default: false, description: '`nodes`: also evict pods that no controller manages.' }),
  ),
  deleteEmptyDirData: Type.Optional(
    Type.Boolean({ default: false, description: '`nodes`: evict pods with emptyDir volumes; their data is lost.' }),
  ),
};

type Input = StrategyInput<typeof inputs>;

const selectorOf = (input: Input) => input.selector ?? `${regionLabelOf(input)}=${input.region}`;

export const nodes: TrafficStrategy<typeof inputs, NodesRestore> = {
  summary: "cordon and drain the region's nodes",
  inputs,
  requires: ['region'],
  describe: (input) => `cordon and drain the nodes ${selectorOf(input)}`,
  permissions: () => [
    ...verbs(['list', 'patch'], { group: '', resource: 'nodes' }),
    ...verbs(['list', 'watch'], { group: '', resource: 'pods' }),
    { verb: 'create', group: '', resource: 'pods', subresource: 'eviction' },
    { verb: 'list', group: 'apps', resource: 'daemonsets' },
    ...verbs(['list', 'watch'], { group: 'policy', resource: 'poddisruptionbudgets' }),
  ],
  drain: (cluster, input, context) =>
    drainRegionNodes(cluster, {
      selector: selectorOf(input),
      allowAll: input.allowAll ?? defaultOf(inputs.allowAll),
      podSelector: input.podSelector,
      gracePeriodSeconds:
        input.gracePeriod === undefined ? undefined : Math.round(durationMs(input.gracePeriod) / 1000),
      parallelism: input.parallelism ?? defaultOf(inputs.parallelism),
      force: input.force ?? defaultOf(inputs.force),
      deleteEmptyDirData: input.deleteEmptyDirData ?? defaultOf(inputs.deleteEmptyDirData),
      signal: context.signal,
      progress: (message, data) => {
        context.progress(message, data);
      },
      record: context.record,
    }),
  changed: (record) => [
    `cordoned ${record.cordoned.join(', ') || 'no node'}; evicted ${record.evictedPods.length} pods`,
  ],
  parse: (record) => {
    listIn(record, 'cordoned');
    return record as unknown as NodesRestore;
  },
  restore: restoreNodes,
  // The region's nodes this run cordoned: one cordoned before the drill stays cordoned.
  restoreFromInputs: async (cluster, input, context) => {
    const found = await selectNodes(cluster, { selector: selectorOf(input), allowAll: input.allowAll });
    const ours = cordonedBy(context.changes());
    const cordoned = found.map(nodeName).filter((name) => ours.has(name));
    return restoreNodes(cluster, { strategy: 'nodes', cordoned, evictedPods: [] }, context);
  },
};
