// Draining nodes with kubectl's semantics (k8s.io/kubectl/pkg/drain): cordon, list the node's pods,
// decide about each with kubectl's filters in kubectl's order (./drain-filters), evict through the
// Eviction API (or delete, with disableEviction), and count a pod gone when it is 404 or its UID
// changed. A timeout names the pods still awaited and what holds each (the budget and its message,
// or a termination still running), as kubectl lists its pending pods. Unlike kubectl, which sends
// every eviction and retries the refused ones every 5 s, an eviction waits until its
// PodDisruptionBudget, as watched, has room for it (./budget-gate): the budget's watch wakes it, so
// it neither waits a fixed time nor is sent to be refused. Unlike kubectl it drains several nodes
// at once: every node is cordoned (all at once) and every node's pods are vetted before the first
// eviction, so pods never land on a node about to be drained and a node with undrainable pods
// stops the drain before it has touched anything (kubectl drains the other nodes and reports that
// one).
import type { V1Node, V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { type BudgetGate, budgetsCovering, watchBudgets } from './budget-gate.ts';
import type { RecordChange } from './changes.ts';
import type { Cluster } from './cluster.ts';
import { grouped, filterPods } from './drain-filters/index.ts';
import { deletedLongAgo } from './drain-filters/skip-deleted.ts';
import { controllerOf } from './drain-filters/filter.ts';
import { apiErrorMessage, apiStatusCode, hasStatusCause, statusCauseMessages } from './errors.ts';
import { nodeName, setUnschedulable } from './nodes.ts';
import { apiRequest, listPage } from './objects.ts';
import { PodListReader, PROTOBUF } from './protobuf.ts';
import { watchUntil } from './watch.ts';

/** How long an eviction waits on a budget that says nothing before it is sent anyway: kubectl's retry interval. */
const EVICTION_RETRY_MS = 5000;

export interface DrainOptions {
  /** Leave DaemonSet pods in place (kubectl --ignore-daemonsets). */
  ignoreDaemonSets: boolean;
  /** Evict pods with emptyDir volumes (kubectl --delete-emptydir-data). */
  deleteEmptyDirData: boolean;
  /** Evict pods no controller manages, and pods whose DaemonSet is gone (kubectl --force). */
  force: boolean;
  /** Only pods matching this label selector (kubectl --pod-selector). */
  podSelector?: string;
  /** Overrides each pod's terminationGracePeriodSeconds (kubectl --grace-period). */
  gracePeriodSeconds?: number;
  /** Delete pods instead of evicting them, bypassing PodDisruptionBudgets (kubectl --disable-eviction). */
  disableEviction: boolean;
  /** Neither evict nor wait for pods deleted more than this many seconds ago; 0 never (kubectl --skip-wait-for-delete-timeout). */
  skipWaitForDeleteTimeoutSeconds: number;
  /** How many nodes are drained at once. */
  parallelism: number;
  /** Give up on a node after this long (kubectl --timeout). */
  nodeTimeoutMs?: number;
  /** After evicting, wait until each evicted pod's controller is fully Ready again. */
  waitForReplacements: boolean;
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
  /**
   * Already being deleted, and let through by the filters: evicted again as kubectl does (which
   * can only shorten their grace period) and waited for.
   */
  terminating: V1Pod[];
  /** Left in place without an error: DaemonSet pods ignored, mirror pods, pods deleted long ago. */
  ignored: V1Pod[];
  /** kubectl's warnings, "message: ns/a, ns/b". */
  warnings: string[];
  /** Reasons the node cannot be drained with these options, "cannot delete ...: ns/a"; nothing is evicted if any. */
  errors: string[];
}

export type PodFilterOptions = Pick<DrainOptions, 'ignoreDaemonSets' | 'deleteEmptyDirData' | 'force'> &
  Partial<Pick<DrainOptions, 'skipWaitForDeleteTimeoutSeconds'>>;

/**
 * kubectl's filters (./drain-filters) over one node's pods. `daemonSetExists` answers whether a
 * pod's DaemonSet still exists; `now` is the clock a deletion's age is measured against.
 */
export function planPods(
  pods: readonly V1Pod[],
  options: PodFilterOptions,
  daemonSetExists: (namespace: string, name: string) => boolean,
  now = Date.now(),
): PodPlan {
  const list = filterPods(pods, {
    ...options,
    skipWaitForDeleteTimeoutSeconds: options.skipWaitForDeleteTimeoutSeconds ?? 0,
    daemonSetExists,
    now,
  });
  const deleted = list.filter((p) => p.status.delete).map((p) => p.pod);
  return {
    evict: deleted.filter((pod) => !pod.metadata?.deletionTimestamp),
    terminating: deleted.filter((pod) => pod.metadata?.deletionTimestamp),
    ignored: list.filter((p) => !p.status.delete && p.status.reason !== 'error').map((p) => p.pod),
    warnings: grouped(list, 'warning'),
    errors: grouped(list, 'error'),
  };
}

export function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

/**
 * Up to this many nodes, each node's pods are listed on their own (the API server finds them by an
 * index); past it, one list of every scheduled pod takes fewer requests than a list per node (a
 * plan of a 300-node region sent 300).
 */
const LIST_PODS_PER_NODE_UP_TO = 10;
const PODS = '/api/v1/pods';
const POD_MEDIA_TYPES = `${PROTOBUF}, application/json`;

/**
 * The pods on each of the nodes (that `labelSelector` picks, if given), by node name, with the
 * fields the drain reads. The lists are read as protobuf (./protobuf): about half the API server's
 * time of JSON, and a fraction of the parsing for us. The list of every scheduled pod is not paged:
 * the API server answers it from its watch cache, while every page after the first came from etcd
 * (a plan of a 300-node region in a 12000-pod cluster: 1.1 s of the API server's CPU against
 * 2.5 s), and it is read as it arrives (PodListReader), keeping only the pods on these nodes.
 */
async function podsOn(
  cluster: Cluster,
  nodes: readonly string[],
  labelSelector?: string,
): Promise<Map<string, V1Pod[]>> {
  const selected = (fieldSelector: string) => ({
    fieldSelector,
    ...(labelSelector === undefined ? {} : { labelSelector }),
  });
  if (nodes.length <= LIST_PODS_PER_NODE_UP_TO) {
    const lists = await Promise.all(
      nodes.map(async (node) => {
        const query = selected(`spec.nodeName=${node}`);
        return [node, (await listPage<V1Pod>(cluster, PODS, query, { accept: POD_MEDIA_TYPES })).items] as const;
      }),
    );
    return new Map(lists);
  }
  const byNode = new Map(nodes.map((node) => [node, [] as V1Pod[]]));
  const onNodes = (pod: V1Pod) => byNode.has(pod.spec?.nodeName ?? '');
  const reader = await PodListReader.create(onNodes);
  const { object } = await apiRequest(cluster, 'GET', PODS, {
    query: selected('spec.nodeName!='),
    accept: POD_MEDIA_TYPES,
    bodyReader: reader,
  });
  const pods = reader.took ? reader.end() : ((object as { items?: V1Pod[] }).items ?? []).filter(onNodes);
  for (const pod of pods) byNode.get(pod.spec?.nodeName ?? '')?.push(pod);
  return byNode;
}

/** The pods a drain would act on for each node, vetted; used by plan and by the drain itself. */
export async function planNodes(
  cluster: Cluster,
  nodes: readonly V1Node[],
  options: PodFilterOptions & Pick<DrainOptions, 'podSelector'>,
): Promise<Map<string, PodPlan>> {
  const daemonSets = new Set(
    (await cluster.apps.listDaemonSetForAllNamespaces()).items.map(
      (d) => `${d.metadata?.namespace}/${d.metadata?.name}`,
    ),
  );
  const pods = await podsOn(cluster, nodes.map(nodeName), options.podSelector);
  const plans = [...pods].map(
    ([node, list]) => [node, planPods(list, options, (ns, name) => daemonSets.has(`${ns}/${name}`))] as const,
  );
  return new Map(plans);
}

/** The PodDisruptionBudgets that cover a pod, by name. */
export function budgetsFor(pod: V1Pod, budgets: readonly V1PodDisruptionBudget[]): string[] {
  return budgetsCovering(pod, budgets).map((b) => b.metadata?.name ?? '');
}

export async function drainNodes(
  cluster: Cluster,
  nodes: readonly V1Node[],
  options: DrainOptions,
): Promise<DrainResult> {
  // Started first, so that listing the budgets overlaps the cordons and the vetting.
  const watching = new AbortController();
  const gate = options.disableEviction
    ? undefined
    : watchBudgets(cluster, watching.signal, (error) => {
        options.progress(
          `cannot watch PodDisruptionBudgets (${apiErrorMessage(error)}): evictions a budget refuses are retried every ${EVICTION_RETRY_MS / 1000} s`,
        );
      });
  try {
    await Promise.all(
      nodes.map(async (node) => {
        if (await setUnschedulable(cluster, node, true, options.record))
          options.progress(`cordoned ${nodeName(node)}`, { node: nodeName(node) });
      }),
    );
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
        await drainNode(cluster, node, plan, options, gate);
        result.perNodeMs[node] = Math.round(performance.now() - started);
        result.evictedPods.push(...[...plan.evict, ...plan.terminating].map(podKey));
        options.progress(`drained ${node} in ${result.perNodeMs[node]} ms`, {
          node,
          ms: result.perNodeMs[node],
        });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallelism, plans.size)) }, worker));
    watching.abort();
    if (options.waitForReplacements) {
      await waitForReplacements(
        cluster,
        [...plans.values()].flatMap((p) => p.evict),
        options,
      );
    }
    return result;
  } finally {
    watching.abort();
  }
}

/** A pod the drain still waits for, and where it stands, for the error a timeout ends with. */
interface Pending {
  key: string;
  state: string;
}

async function drainNode(
  cluster: Cluster,
  node: string,
  plan: PodPlan,
  options: DrainOptions,
  gate: BudgetGate | undefined,
): Promise<void> {
  const pods = [...plan.evict, ...plan.terminating];
  const verb = options.disableEviction ? 'delete' : 'evict';
  const pending = new Map<string | undefined, Pending>(
    pods.map((pod) => [
      pod.metadata?.uid,
      { key: podKey(pod), state: pod.metadata?.deletionTimestamp ? 'already being deleted' : `not yet ${verb}ed` },
    ]),
  );
  const controller = new AbortController();
  const abort = (): void => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', abort, { once: true });
  const timer =
    options.nodeTimeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(timedOut(node, options.nodeTimeoutMs ?? 0, pending)), options.nodeTimeoutMs);
  try {
    if (pods.length === 0) return;
    options.record({
      type: 'irreversible',
      what: `${verb} ${pods.length} pods from node ${node}: ${pods.map(podKey).join(', ')}`,
      objects: pods.map((pod) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: pod.metadata?.namespace,
        name: pod.metadata?.name ?? '',
        uid: pod.metadata?.uid,
      })),
    });
    await Promise.all([
      ...pods.map((pod) => {
        const note = (state: string): void => {
          const entry = pending.get(pod.metadata?.uid);
          if (entry) entry.state = state;
        };
        return gate
          ? evictPod(cluster, pod, options, controller.signal, note, gate)
          : deletePod(cluster, pod, options, controller.signal, note);
      }),
      waitUntilGone(cluster, node, pending, options, controller.signal),
    ]);
  } catch (error) {
    if (controller.signal.aborted) throw toError(controller.signal.reason);
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', abort);
    // Stops the wait for the pods when an eviction failed.
    controller.abort();
  }
}

/** kubectl lists the pods still pending when a drain fails; so does this error, with why each is. */
function timedOut(node: string, ms: number, pending: ReadonlyMap<unknown, Pending>): Error {
  const pods = [...pending.values()].map((p) => `${p.key} (${p.state})`);
  return new Error(
    `draining ${node} timed out after ${ms} ms, still waiting for ${pods.length} pods: ${pods.join(', ')}`,
  );
}

/**
 * Resolves once every pending pod is gone from the node (404, or a new UID under its name), or has
 * been being deleted longer than skipWaitForDeleteTimeout, as kubectl's waitForDelete. A deletion
 * crossing that age changes nothing the watch sees, so a timer then wakes it to look again.
 */
async function waitUntilGone(
  cluster: Cluster,
  node: string,
  pending: Map<string | undefined, Pending>,
  options: DrainOptions,
  signal: AbortSignal,
): Promise<void> {
  const skipAfter = options.skipWaitForDeleteTimeoutSeconds;
  for (;;) {
    const wake = new AbortController();
    let wakeAt = Number.POSITIVE_INFINITY;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const decide = (pods: readonly V1Pod[]): true | undefined => {
      const present = new Map(pods.map((p) => [p.metadata?.uid, p]));
      const now = Date.now();
      for (const [uid, entry] of pending) {
        const pod = present.get(uid);
        const deleted = pod?.metadata?.deletionTimestamp;
        if (pod && deleted && skipAfter > 0) {
          if (deletedLongAgo(pod, skipAfter, now)) {
            options.progress(
              `pod "${pod.metadata?.name}" has DeletionTimestamp older than ${skipAfter} seconds, skipping`,
              {
                pod: entry.key,
              },
            );
            pending.delete(uid);
          } else if (new Date(deleted).getTime() + (skipAfter + 1) * 1000 < wakeAt) {
            wakeAt = new Date(deleted).getTime() + (skipAfter + 1) * 1000;
            clearTimeout(timer);
            timer = setTimeout(() => wake.abort(), wakeAt - now);
          }
        } else if (!pod) pending.delete(uid);
      }
      return pending.size === 0 ? true : undefined;
    };
    try {
      await watchUntil<V1Pod, true>(
        cluster,
        { apiVersion: 'v1', kind: 'Pod', fieldSelector: `spec.nodeName=${node}` },
        decide,
        AbortSignal.any([signal, wake.signal]),
      );
      return;
    } catch (error) {
      if (signal.aborted || !wake.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Where a pod's removal stands, for the error a timeout ends with. */
type Note = (state: string) => void;

/**
 * Evicts one pod once its budget has room (./budget-gate), waiting again whenever a budget refuses
 * it (429); resolves once accepted.
 */
async function evictPod(
  cluster: Cluster,
  pod: V1Pod,
  options: DrainOptions,
  signal: AbortSignal,
  note: Note,
  gate: BudgetGate,
): Promise<void> {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? '';
  let lastCauses: string | undefined;
  let refusedAt: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const pass = await gate.admit(pod, {
      signal,
      fallbackMs: EVICTION_RETRY_MS,
      refusedAt,
      blocked: (budget, state) => {
        note(state);
        options.progress(`${namespace}/${name} blocked: ${state}; waiting for it`, {
          pod: `${namespace}/${name}`,
          pdb: [budget.metadata?.name],
          attempt,
        });
      },
    });
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
      pass.accepted();
      options.progress(`evicting ${namespace}/${name}`, {
        pod: `${namespace}/${name}`,
        node: pod.spec?.nodeName,
        attempt,
        // Sent after waiting EVICTION_RETRY_MS for a budget whose watch said nothing.
        ...(pass.fallback ? { fallback: true } : {}),
      });
      note('evicted, not yet gone');
      return;
    } catch (error) {
      pass.released();
      const code = apiStatusCode(error);
      if (code === 404 || code === 409) return; // already gone, or replaced by a pod with another UID
      if (code === 403 && hasStatusCause(error, 'NamespaceTerminating')) {
        // No eviction can be created in a namespace being deleted, and none is needed: the
        // namespace controller deletes the pod. As kubectl does, wait for it to be marked deleted.
        note('its namespace is being deleted, not yet gone');
        await markedDeleted(cluster, pod, signal);
        return;
      }
      if (code !== 429) throw new Error(`evicting ${namespace}/${name}: ${apiErrorMessage(error)}`, { cause: error });
      // The budget's own words ("The disruption budget web needs 2 healthy pods and has 2
      // currently"); its name, for the data, from the budgets whose selector matches the pod.
      const causes = statusCauseMessages(error, 'DisruptionBudget').join('; ');
      if (causes !== lastCauses) {
        const blockers = budgetsFor(pod, gate.budgets());
        lastCauses = causes;
        const state = `${apiErrorMessage(error)} (429, PodDisruptionBudget ${blockers.join(', ') || 'unknown'}${causes ? `: ${causes}` : ''})`;
        note(state);
        options.progress(`${namespace}/${name} blocked: ${state}; retrying`, {
          pod: `${namespace}/${name}`,
          pdb: blockers,
          attempt,
        });
      }
      // Waits for the budget to change (or the fallback), not for a fixed time.
      refusedAt = pass.mark;
    }
  }
}

/** kubectl --disable-eviction: a plain DELETE, which no PodDisruptionBudget can refuse. */
async function deletePod(
  cluster: Cluster,
  pod: V1Pod,
  options: DrainOptions,
  signal: AbortSignal,
  note: Note,
): Promise<void> {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? '';
  signal.throwIfAborted();
  try {
    await cluster.core.deleteNamespacedPod({
      name,
      namespace,
      body: { gracePeriodSeconds: options.gracePeriodSeconds, preconditions: { uid: pod.metadata?.uid } },
    });
  } catch (error) {
    const code = apiStatusCode(error);
    if (code === 404 || code === 409) return;
    throw new Error(`deleting ${namespace}/${name}: ${apiErrorMessage(error)}`, { cause: error });
  }
  options.progress(`deleting ${namespace}/${name}`, { pod: `${namespace}/${name}`, node: pod.spec?.nodeName });
  note('deleted, not yet gone');
}

/** Resolves once the pod is marked deleted, gone, or replaced by another of its name. */
async function markedDeleted(cluster: Cluster, pod: V1Pod, signal: AbortSignal): Promise<void> {
  await watchUntil<V1Pod, true>(
    cluster,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: pod.metadata?.namespace,
      fieldSelector: `metadata.name=${pod.metadata?.name}`,
    },
    ([current]) =>
      !current || current.metadata?.deletionTimestamp || current.metadata?.uid !== pod.metadata?.uid ? true : undefined,
    signal,
  );
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

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
