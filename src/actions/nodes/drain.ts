import Type from 'typebox';
import { budgetsFor, type DrainOptions, drainNodes, planNodes } from '../../kube/drain.ts';
import { nodeName, selectNodes } from '../../kube/nodes.ts';
import { durationMs } from '../../runbook/duration.ts';
import { Duration, exactlyOneOf, LabelSelector } from '../../runbook/inputs.ts';
import { defineAction } from '../action.ts';
import { describeNodes, nodeSetInputs, patchNodes, readNodes } from './node-set.ts';

export default defineAction({
  name: 'nodes.drain',
  summary: 'Cordon nodes and evict their pods through the eviction API, honouring PodDisruptionBudgets.',
  mutating: true,
  input: Type.Object(
    {
      ...nodeSetInputs,
      ignoreDaemonSets: Type.Optional(
        Type.Boolean({ default: true, description: 'Leave DaemonSet-managed pods in place.' }),
      ),
      deleteEmptyDirData: Type.Optional(
        Type.Boolean({
          default: false,
          description: 'Evict pods with emptyDir volumes; their data is lost.',
        }),
      ),
      force: Type.Optional(
        Type.Boolean({
          default: false,
          description:
            'Also evict pods that no controller manages (they are not recreated) and pods whose DaemonSet is gone.',
        }),
      ),
      disableEviction: Type.Optional(
        Type.Boolean({
          default: false,
          description: 'Delete pods instead of evicting them: PodDisruptionBudgets are not consulted.',
        }),
      ),
      skipWaitForDeleteTimeout: Type.Optional(
        Duration({
          description:
            'Leave alone the pods whose deletion began longer ago than this (whole seconds), instead of waiting for them; unset, every pod being deleted is waited for.',
        }),
      ),
      podSelector: Type.Optional(LabelSelector('Evict only the pods matching this label selector.')),
      gracePeriod: Type.Optional(
        Duration({
          allowZero: true,
          description: "Termination grace period for evicted pods (0s: at once); defaults to each pod's own.",
        }),
      ),
      timeout: Type.Optional(
        Duration({ description: "Give up draining a node after this long; defaults to the step's timeout." }),
      ),
      parallelism: Type.Optional(
        Type.Integer({ minimum: 1, default: 1, description: 'How many nodes to drain at the same time.' }),
      ),
      waitForReplacements: Type.Optional(
        Type.Boolean({
          default: false,
          description: 'After evicting, wait until the evicted pods have Ready replacements elsewhere.',
        }),
      ),
    },
    {
      additionalProperties: false,
      ...exactlyOneOf('selector', 'nodes'),
      examples: [
        { selector: 'topology.kubernetes.io/zone=eu-west-a', parallelism: 2, deleteEmptyDirData: true, timeout: '3m' },
      ],
    },
  ),
  plan: async (input, context) => {
    const cluster = await context.cluster();
    const nodes = await selectNodes(cluster, input);
    const plans = await planNodes(cluster, nodes, podFilters(input));
    const evict = [...plans.values()].flatMap((p) => p.evict);
    const ignored = [...plans.values()].reduce((n, p) => n + p.ignored.length, 0);
    const budgets = (await cluster.policy.listPodDisruptionBudgetForAllNamespaces()).items;
    const blocking = budgets.filter(
      (b) =>
        !input.disableEviction &&
        b.status?.disruptionsAllowed === 0 &&
        evict.some((pod) => budgetsFor(pod, [b]).length > 0),
    );
    return {
      summary: `drain ${nodes.length} nodes (${describeNodes(nodes)}): evict ${evict.length} pods, leave ${ignored}`,
      details: [...plans].flatMap(([node, p]) => [
        `${node}: evict ${p.evict.length}, ignore ${p.ignored.length}, already terminating ${p.terminating.length}`,
        ...p.warnings.map((w) => `${node}: ${w}`),
      ]),
      warnings: [
        ...[...plans].flatMap(([node, p]) => p.errors.map((e) => `${node}: ${e}`)),
        ...blocking.map(
          (b) =>
            `PodDisruptionBudget ${b.metadata?.namespace}/${b.metadata?.name} allows 0 disruptions now: evictions will wait`,
        ),
      ],
    };
  },
  permissions: (input) => [
    readNodes,
    patchNodes,
    { verb: 'list', group: '', resource: 'pods' },
    { verb: 'watch', group: '', resource: 'pods' },
    input.disableEviction
      ? { verb: 'delete', group: '', resource: 'pods' }
      : { verb: 'create', group: '', resource: 'pods', subresource: 'eviction' },
    { verb: 'list', group: 'apps', resource: 'daemonsets' },
    { verb: 'list', group: 'policy', resource: 'poddisruptionbudgets' },
    // Evictions wait on their budget's watch (src/kube/budget-gate.ts).
    ...(input.disableEviction ? [] : [{ verb: 'watch', group: 'policy', resource: 'poddisruptionbudgets' }]),
    ...(input.waitForReplacements
      ? ['replicasets', 'statefulsets'].flatMap((resource) =>
          ['list', 'watch'].map((verb) => ({ verb, group: 'apps', resource })),
        )
      : []),
  ],
  execute: async (input, context) => {
    const cluster = await context.cluster();
    const nodes = await selectNodes(cluster, input);
    context.progress(`draining ${nodes.length} nodes: ${nodes.map(nodeName).join(', ')}`, {
      nodes: nodes.map(nodeName),
    });
    const result = await drainNodes(cluster, nodes, {
      ...podFilters(input),
      gracePeriodSeconds:
        input.gracePeriod === undefined ? undefined : Math.round(durationMs(input.gracePeriod) / 1000),
      nodeTimeoutMs: input.timeout === undefined ? undefined : durationMs(input.timeout),
      disableEviction: input.disableEviction ?? false,
      parallelism: input.parallelism ?? 1,
      waitForReplacements: input.waitForReplacements ?? false,
      signal: context.signal,
      progress: (message, data) => {
        context.progress(message, data);
      },
      record: context.record,
    });
    return { outputs: { ...result } };
  },
  outputs: {
    nodes: 'Names of the nodes that were drained.',
    evictedPods: 'Pods that were evicted, as namespace/name.',
    perNodeMs: 'Milliseconds each node took to drain, by node name.',
  },
});

/** The pod filters with kubectl's defaults, shared by plan and execute so both see the same pods. */
function podFilters(input: {
  ignoreDaemonSets?: boolean;
  deleteEmptyDirData?: boolean;
  force?: boolean;
  podSelector?: string;
  skipWaitForDeleteTimeout?: string;
}): Pick<
  DrainOptions,
  'ignoreDaemonSets' | 'deleteEmptyDirData' | 'force' | 'podSelector' | 'skipWaitForDeleteTimeoutSeconds'
> {
  return {
    ignoreDaemonSets: input.ignoreDaemonSets ?? true,
    deleteEmptyDirData: input.deleteEmptyDirData ?? false,
    force: input.force ?? false,
    podSelector: input.podSelector,
    skipWaitForDeleteTimeoutSeconds:
      input.skipWaitForDeleteTimeout === undefined ? 0 : Math.floor(durationMs(input.skipWaitForDeleteTimeout) / 1000),
  };
}
