// Draining nodes with kubectl's semantics (k8s.io/kubectl/pkg/drain): cordon, list the node's pods,
// sort them with kubectl's filters in kubectl's order, evict through the Eviction API retrying
// while a PodDisruptionBudget blocks, and count a pod gone when it is 404 or its UID changed.
// Unlike kubectl it drains several nodes at once: every node is cordoned and every node's pods
// are vetted before the first eviction, so pods never land on a node about to be drained and a
// node with undrainable pods stops the drain before it has touched anything.
import type { V1Node, V1OwnerReference, V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { RecordChange } from './changes.ts';
import type { Cluster } from './cluster.ts';
import { apiErrorMessage, apiStatusCode, hasStatusCause } from './errors.ts';
import { nodeName, setUnschedulable } from './nodes.ts';
import { selectorMatches } from './selectors.ts';
import { watchUntil } from './watch.ts';

export interface DrainOptions {
  /** Leave DaemonSet pods in place (kubectl --ignore-daemonsets). */
  ignoreDaemonSets: boolean;
  /** Evict pods with emptyDir volumes (kubectl --delete-emptydir-data). */
  deleteEmptyDirData: boolean;
  /** Evict pods no controller manages (kubectl --force). */
  force: boolean;
  /** Only pods matching this label selector (kubectl --pod-selector). */
  podSelector?: string;
  /** Overrides each pod's terminationGracePeriodSeconds (kubectl --grace-period). */
  gracePeriodSeconds?: number;
  /** How many nodes are drained at once. */
  parallelism: number;
  /** Give up on a node after this long (kubectl --timeout). */
  nodeTimeoutMs?: number;
  /** After evicting, wait until each evicted pod's controller is fully Ready again. */
  waitForReplacements: boolean;
  /** How long to wait before retrying an eviction a PDB refused. */
  retryDelayMs?: number;
  signal: AbortSignal;
  progress: (message: string, data?: Record<string, unknown>) => void;
  /** Journals each change before it is made: cordons, and evictions (which cannot be undone). */
  record: RecordChange;
}

export interface DrainResult {
  nodes: string[];
  evictedPods: string[];
  perNodeMs: Record<string, number>;
}

/** What a drain does with each pod of a node, and why some pods stop it. */
export interface PodPlan {
  evict: V1Pod[];
  /** Already being deleted: nothing to evict, but the drain waits for them. */
  terminating: V1Pod[];
  /** Left in place: DaemonSet and mirror pods. */
  ignored: V1Pod[];
  warnings: string[];
  /** Reasons the node cannot be drained with these options; nothing is evicted if any. */
  errors: string[];
}

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/**
 * kubectl's filters in kubectl's order: already deleted, DaemonSet, mirror, local storage,
 * unreplicated. `daemonSetExists` answers whether a pod's DaemonSet still exists: an orphaned
 * DaemonSet pod is deleted only with force.
 */
export function planPods(
  pods: readonly V1Pod[],
  options: Pick<DrainOptions, 'ignoreDaemonSets' | 'deleteEmptyDirData' | 'force'>,
  daemonSetExists: (namespace: string, name: string) => boolean,
): PodPlan {
  const plan: PodPlan = { evict: [], terminating: [], ignored: [], warnings: [], errors: [] };
  const fatal = new Map<string, string[]>();
  const warn = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, message: string, pod: V1Pod): void => {
    map.set(message, [...(map.get(message) ?? []), podKey(pod)]);
  };
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) {
      plan.terminating.push(pod);
      continue;
    }
    const controller = controllerOf(pod);
    if (controller?.kind === 'DaemonSet') {
      if (!daemonSetExists(pod.metadata?.namespace ?? '', controller.name)) {
        if (!options.force) {
          add(fatal, 'cannot delete orphaned DaemonSet Pods (their DaemonSet is gone; use force to override)', pod);
          continue;
        }
        add(warn, 'deleting orphaned DaemonSet Pods', pod);
      } else if (options.ignoreDaemonSets) {
        add(warn, 'ignoring DaemonSet-managed Pods', pod);
        plan.ignored.push(pod);
        continue;
      } else {
        add(fatal, 'cannot delete DaemonSet-managed Pods (set ignoreDaemonSets: true to ignore)', pod);
        continue;
      }
    }
    if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) {
      plan.ignored.push(pod);
      continue;
    }
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (!finished && pod.spec?.volumes?.some((v) => v.emptyDir)) {
      if (!options.deleteEmptyDirData) {
        add(fatal, 'cannot delete Pods with local storage (set deleteEmptyDirData: true to override)', pod);
        continue;
      }
      add(warn, 'deleting Pods with local storage', pod);
    }
    if (!finished && !controller) {
      if (!options.force) {
        add(fatal, 'cannot delete Pods that declare no controller (set force: true to override)', pod);
        continue;
      }
      add(warn, 'deleting Pods that declare no controller', pod);
    }
    plan.evict.push(pod);
  }
  plan.errors = [...fatal].map(([message, keys]) => `${message}: ${keys.join(', ')}`);
  plan.warnings = [...warn].map(([message, keys]) => `${message}: ${keys.join(', ')}`);
  return plan;
}

export function controllerOf(pod: V1Pod): V1OwnerReference | undefined {
  return pod.metadata?.ownerReferences?.find((o) => o.controller);
}

export function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

/** The pods a drain would act on for each node, vetted; used by plan and by the drain itself. */
export async function planNodes(
  cluster: Cluster,
  nodes: readonly V1Node[],
  options: Pick<DrainOptions, 'ignoreDaemonSets' | 'deleteEmptyDirData' | 'force' | 'podSelector'>,
): Promise<Map<string, PodPlan>> {
  const daemonSets = new Set(
    (await cluster.apps.listDaemonSetForAllNamespaces()).items.map(
      (d) => `${d.metadata?.namespace}/${d.metadata?.name}`,
    ),
  );
  const plans = await Promise.all(
    nodes.map(async (node) => {
      const pods = await cluster.core.listPodForAllNamespaces({
        fieldSelector: `spec.nodeName=${nodeName(node)}`,
        labelSelector: options.podSelector,
      });
      return [nodeName(node), planPods(pods.items, options, (ns, name) => daemonSets.has(`${ns}/${name}`))] as const;
    }),
  );
  return new Map(plans);
}

/** The PodDisruptionBudgets that cover a pod, by name. */
export function budgetsFor(pod: V1Pod, budgets: readonly V1PodDisruptionBudget[]): string[] {
  return budgets
    .filter(
      (b) =>
        b.metadata?.namespace === pod.metadata?.namespace && selectorMatches(b.spec?.selector, pod.metadata?.labels),
    )
    .map((b) => b.metadata?.name ?? '');
}

export async function drainNodes(
  cluster: Cluster,
  nodes: readonly V1Node[],
  options: DrainOptions,
): Promise<DrainResult> {
  for (const node of nodes) {
    if (await setUnschedulable(cluster, node, true, options.record))
      options.progress(`cordoned ${nodeName(node)}`, { node: nodeName(node) });
  }
  const plans = await planNodes(cluster, nodes, options);
  const errors = [...plans].flatMap(([node, plan]) => plan.errors.map((e) => `${node}: ${e}`));
  if (errors.length > 0) throw new Error(`cannot drain: ${errors.join('; ')}`);
  for (const [node, plan] of plans) {
    for (const warning of plan.warnings) options.progress(`${node}: ${warning}`, { node, warning });
  }

  const result: DrainResult = { nodes: nodes.map(nodeName), evictedPods: [], perNodeMs: {} };
  const queue = [...plans];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [node, plan] = next;
      const started = performance.now();
      await drainNode(cluster, node, plan, options);
      result.perNodeMs[node] = Math.round(performance.now() - started);
      result.evictedPods.push(...plan.evict.map(podKey));
      options.progress(`drained ${node} in ${result.perNodeMs[node]} ms`, {
        node,
        ms: result.perNodeMs[node],
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallelism, plans.size)) }, worker));
  if (options.waitForReplacements) {
    await waitForReplacements(
      cluster,
      [...plans.values()].flatMap((p) => p.evict),
      options,
    );
  }
  return result;
}

async function drainNode(cluster: Cluster, node: string, plan: PodPlan, options: DrainOptions): Promise<void> {
  const controller = new AbortController();
  const abort = (): void => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', abort, { once: true });
  const timer =
    options.nodeTimeoutMs === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(new Error(`draining ${node} timed out after ${options.nodeTimeoutMs} ms`)),
          options.nodeTimeoutMs,
        );
  try {
    if (plan.evict.length > 0) {
      options.record({
        type: 'irreversible',
        what: `evict ${plan.evict.length} pods from node ${node}: ${plan.evict.map(podKey).join(', ')}`,
        objects: plan.evict.map((pod) => ({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: pod.metadata?.namespace,
          name: pod.metadata?.name ?? '',
          uid: pod.metadata?.uid,
        })),
      });
    }
    await Promise.all(plan.evict.map((pod) => evictPod(cluster, pod, options, controller.signal)));
    const waitingFor = new Set([...plan.evict, ...plan.terminating].map((p) => p.metadata?.uid));
    await watchUntil<V1Pod, true>(
      cluster,
      { apiVersion: 'v1', kind: 'Pod', fieldSelector: `spec.nodeName=${node}` },
      (pods) => (pods.some((p) => waitingFor.has(p.metadata?.uid)) ? undefined : true),
      controller.signal,
    );
  } catch (error) {
    if (controller.signal.aborted) throw toError(controller.signal.reason);
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', abort);
  }
}

/** Evicts one pod, retrying while a PodDisruptionBudget refuses (429); resolves once accepted. */
async function evictPod(cluster: Cluster, pod: V1Pod, options: DrainOptions, signal: AbortSignal): Promise<void> {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? '';
  let lastBlock = '';
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    try {
      await cluster.core.createNamespacedPodEviction({
        name,
        namespace,
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name, namespace },
          deleteOptions: {
            gracePeriodSeconds: options.gracePeriodSeconds,
            // A replacement pod with the same name (StatefulSets) must not be evicted by mistake.
            preconditions: { uid: pod.metadata?.uid },
          },
        },
      });
      options.progress(`evicting ${namespace}/${name}`, {
        pod: `${namespace}/${name}`,
        node: pod.spec?.nodeName,
        attempt,
      });
      return;
    } catch (error) {
      const code = apiStatusCode(error);
      if (code === 404 || code === 409) return; // already gone, or replaced by a pod with another UID
      if (code === 403 && hasStatusCause(error, 'NamespaceTerminating')) {
        // No eviction can be created in a namespace being deleted, and none is needed: the
        // namespace controller deletes the pod. As kubectl does, wait for it to be marked deleted.
        if (await isTerminating(cluster, namespace, name)) return;
        await sleep(options.retryDelayMs ?? 1000, signal);
        continue;
      }
      if (code !== 429) throw new Error(`evicting ${namespace}/${name}: ${apiErrorMessage(error)}`, { cause: error });
      const budgets = await cluster.policy.listNamespacedPodDisruptionBudget({ namespace });
      const blockers = budgetsFor(pod, budgets.items);
      const block = `${apiErrorMessage(error)} (PodDisruptionBudget ${blockers.join(', ') || 'unknown'})`;
      if (block !== lastBlock) {
        options.progress(`${namespace}/${name} blocked: ${block}; retrying`, {
          pod: `${namespace}/${name}`,
          pdb: blockers,
          attempt,
        });
        lastBlock = block;
      }
      await sleep(options.retryDelayMs ?? 1000, signal);
    }
  }
}

async function isTerminating(cluster: Cluster, namespace: string, name: string): Promise<boolean> {
  try {
    const pod = await cluster.core.readNamespacedPod({ namespace, name });
    return pod.metadata?.deletionTimestamp !== undefined;
  } catch (error) {
    if (apiStatusCode(error) === 404) return true;
    throw error;
  }
}

/** Waits until every controller whose pods were evicted has all its replicas Ready again. */
async function waitForReplacements(cluster: Cluster, evicted: readonly V1Pod[], options: DrainOptions): Promise<void> {
  const owners = new Map<string, { kind: string; name: string; namespace: string }>();
  for (const pod of evicted) {
    const owner = controllerOf(pod);
    if (owner && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
      const namespace = pod.metadata?.namespace ?? '';
      owners.set(`${owner.kind}/${namespace}/${owner.name}`, {
        kind: owner.kind,
        name: owner.name,
        namespace,
      });
    }
  }
  await Promise.all(
    [...owners.values()].map(async (owner) => {
      await watchUntil<
        { metadata?: { name?: string }; spec?: { replicas?: number }; status?: { readyReplicas?: number } },
        true
      >(
        cluster,
        {
          apiVersion: 'apps/v1',
          kind: owner.kind,
          namespace: owner.namespace,
          fieldSelector: `metadata.name=${owner.name}`,
        },
        ([workload]) =>
          !workload || (workload.status?.readyReplicas ?? 0) >= (workload.spec?.replicas ?? 1) ? true : undefined,
        options.signal,
      );
      options.progress(`${owner.kind} ${owner.namespace}/${owner.name} is Ready again`, {
        owner: owner.name,
      });
    }),
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(toError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
