// Rollouts as kubectl sees them (k8s.io/kubectl/pkg/polymorphichelpers): a workload's revisions
// (the ReplicaSets of a Deployment, the ControllerRevisions of a StatefulSet or DaemonSet), the
// patch that restores one (rollback.go), when a rollout is complete (rollout_status.go), and
// scaling through the scale subresource. What to decide is in pure functions; the rest asks the API.
import type {
  PatchStrategy,
  V1ControllerRevision,
  V1DaemonSet,
  V1Deployment,
  V1ObjectMeta,
  V1PodTemplateSpec,
  V1ReplicaSet,
  V1Scale,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { durationMs, formatDuration } from '../runbook/duration.ts';
import type { Permission } from './access.ts';
import type { Cluster } from './cluster.ts';
import { apiErrorMessage, isConflict } from './errors.ts';
import { watchUntil } from './watch.ts';

export type RolloutKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';
export type ScaleKind = 'Deployment' | 'StatefulSet' | 'ReplicaSet';
export type RolloutWorkload = V1Deployment | V1StatefulSet | V1DaemonSet;
export type ScalableWorkload = V1Deployment | V1StatefulSet | V1ReplicaSet;

export interface WorkloadRef<Kind extends string = RolloutKind> {
  kind: Kind;
  name: string;
  namespace: string;
}

/** The workload an action's `kind`, `name` and `namespace` inputs name. */
export function workloadRef<Kind extends string>(
  input: { kind: Kind; name: string; namespace?: string },
  defaultNamespace: string,
): WorkloadRef<Kind> {
  return { kind: input.kind, name: input.name, namespace: input.namespace ?? defaultNamespace };
}

/** `Deployment shop/checkout`, the way workloads are named in plans, progress and errors. */
export function describeWorkload(ref: WorkloadRef<string>): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/** Added by the Deployment controller to its ReplicaSets' templates; never part of a Deployment's. */
const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/**
 * Deployment annotations a rollback keeps rather than takes from the ReplicaSet: kubectl's
 * annotationsToSkip (last-applied configuration, revision bookkeeping, the deprecated rollbackTo).
 */
const ANNOTATIONS_KEPT_ON_ROLLBACK = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

const RESOURCES: Record<RolloutKind | ScaleKind, string> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  ReplicaSet: 'replicasets',
};

// ---------------------------------------------------------------------------------------------
// Rollout status: pure, one function per kind, ported from kubectl's status viewers.

export interface RolloutStatus {
  state: 'done' | 'waiting' | 'failed';
  /** What the workload is doing, to follow its name: "2 of 3 new replicas updated". */
  message: string;
}

const done = (message: string): RolloutStatus => ({ state: 'done', message });
const waiting = (message: string): RolloutStatus => ({ state: 'waiting', message });
const failed = (message: string): RolloutStatus => ({ state: 'failed', message });

/** Whether the controller has seen the latest spec; status numbers mean nothing before that. */
function observed(workload: { metadata?: V1ObjectMeta; status?: { observedGeneration?: number } }): boolean {
  return (workload.status?.observedGeneration ?? 0) >= (workload.metadata?.generation ?? 0);
}

export function deploymentRolloutStatus(deployment: V1Deployment): RolloutStatus {
  if (!observed(deployment)) return waiting('waiting for the spec update to be observed');
  const progressing = deployment.status?.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return failed(`exceeded its progress deadline${progressing.message ? ` (${progressing.message})` : ''}`);
  }
  const wanted = deployment.spec?.replicas ?? 1;
  const replicas = deployment.status?.replicas ?? 0;
  const updated = deployment.status?.updatedReplicas ?? 0;
  const available = deployment.status?.availableReplicas ?? 0;
  if (updated < wanted) return waiting(`${updated} of ${wanted} new replicas updated`);
  if (replicas > updated) return waiting(`${replicas - updated} old replicas pending termination`);
  if (available < updated) return waiting(`${available} of ${updated} updated replicas available`);
  return done('successfully rolled out');
}

export function statefulSetRolloutStatus(statefulSet: V1StatefulSet): RolloutStatus {
  const strategy = statefulSet.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    return failed(`rollout status is only available for the RollingUpdate strategy, not ${strategy?.type}`);
  }
  // Unlike the others, a StatefulSet the controller has never looked at has observedGeneration 0.
  if (!statefulSet.status?.observedGeneration || !observed(statefulSet)) {
    return waiting('waiting for the spec update to be observed');
  }
  const wanted = statefulSet.spec?.replicas ?? 1;
  const ready = statefulSet.status.readyReplicas ?? 0;
  const updated = statefulSet.status.updatedReplicas ?? 0;
  if (ready < wanted) return waiting(`waiting for ${wanted - ready} pods to be ready`);
  if (strategy?.rollingUpdate) {
    const toUpdate = wanted - (strategy.rollingUpdate.partition ?? 0);
    if (updated < toUpdate) return waiting(`${updated} of ${toUpdate} new pods updated`);
    return done(`rolled out: ${updated} new pods updated`);
  }
  const { updateRevision, currentRevision } = statefulSet.status;
  if (updateRevision !== currentRevision) return waiting(`${updated} pods at revision ${updateRevision}`);
  return done(`rolled out: ${statefulSet.status.currentReplicas ?? 0} pods at revision ${currentRevision}`);
}

export function daemonSetRolloutStatus(daemonSet: V1DaemonSet): RolloutStatus {
  const type = daemonSet.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (type !== 'RollingUpdate') {
    return failed(`rollout status is only available for the RollingUpdate strategy, not ${type}`);
  }
  if (!observed(daemonSet)) return waiting('waiting for the spec update to be observed');
  const desired = daemonSet.status?.desiredNumberScheduled ?? 0;
  const updated = daemonSet.status?.updatedNumberScheduled ?? 0;
  const available = daemonSet.status?.numberAvailable ?? 0;
  if (updated < desired) return waiting(`${updated} of ${desired} new pods updated`);
  if (available < desired) return waiting(`${available} of ${desired} updated pods available`);
  return done('successfully rolled out');
}

export function rolloutStatus(kind: RolloutKind, workload: RolloutWorkload): RolloutStatus {
  switch (kind) {
    case 'Deployment':
      return deploymentRolloutStatus(workload);
    case 'StatefulSet':
      return statefulSetRolloutStatus(workload as V1StatefulSet);
    case 'DaemonSet':
      return daemonSetRolloutStatus(workload as V1DaemonSet);
  }
}

/**
 * Whether a scaled workload has `replicas` available pods and no others: neither extra replicas
 * nor, where the API counts them, pods still terminating.
 */
export function scaleStatus(workload: ScalableWorkload, replicas: number): RolloutStatus {
  if (!observed(workload)) return waiting('waiting for the new replica count to be observed');
  const wanted = workload.spec?.replicas ?? 1;
  if (wanted !== replicas) {
    return failed(`its replica count was changed to ${wanted} while waiting for ${replicas} (by an autoscaler?)`);
  }
  const current = workload.status?.replicas ?? 0;
  const available = workload.status?.availableReplicas ?? 0;
  // Deployments and ReplicaSets also count their terminating pods, when the API server's feature is on.
  const terminating = (workload.status as { terminatingReplicas?: number } | undefined)?.terminatingReplicas ?? 0;
  if (available < replicas) return waiting(`${available} of ${replicas} replicas available`);
  if (current > replicas) return waiting(`${current - replicas} extra replicas to remove`);
  if (terminating > 0) return waiting(`${terminating} replicas still terminating`);
  return done(`${replicas} replicas available`);
}

// ---------------------------------------------------------------------------------------------
// Revisions: pure choices and comparisons.

/** A patch of a workload and how the API should read it. */
export interface WorkloadPatch {
  strategy: PatchStrategy;
  body: object;
}

export interface Revision {
  revision: number;
  /** The pod template the revision runs, as JSON, without the pod-template-hash label. */
  template: V1PodTemplateSpec;
  changeCause?: string;
  /** The patch that brings the workload back to this revision, as kubectl builds it. */
  restore: WorkloadPatch;
}

/**
 * The revision a rollback goes to, and the current one (the highest). `toRevision` 0 means the
 * previous revision: the highest below the current one. Throws, naming the workload, when there
 * is none.
 */
export function chooseRevision<T extends { revision: number }>(
  history: readonly T[],
  toRevision: number,
  workload: string,
): { current: T; target: T } {
  const [current, previous] = [...history].sort((a, b) => b.revision - a.revision);
  if (!current) throw new Error(`${workload} has no rollout history`);
  if (toRevision === 0) {
    if (!previous) {
      throw new Error(
        `${workload} has no previous revision to roll back to (revision ${current.revision} is its only one)`,
      );
    }
    return { current, target: previous };
  }
  const target = history.find((h) => h.revision === toRevision);
  if (!target) {
    const known = history.map((h) => h.revision).sort((a, b) => a - b);
    throw new Error(`${workload} has no revision ${toRevision} (its revisions: ${known.join(', ')})`);
  }
  return { current, target };
}

/** A copy of a template as the JSON the API exchanges, without the pod-template-hash label. */
function withoutHashLabel(template: V1PodTemplateSpec): V1PodTemplateSpec {
  const json = JSON.parse(JSON.stringify(template)) as V1PodTemplateSpec;
  if (json.metadata?.labels) delete json.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return json;
}

/**
 * Whether two pod templates are the same, ignoring pod-template-hash (kubectl's equalIgnoreHash).
 * Like apimachinery's semantic equality, a missing value, null, an empty list and an empty map are
 * all the same thing.
 */
export function sameTemplate(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  return sameJson(a && withoutHashLabel(a), b && withoutHashLabel(b));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameJson(a[key], b[key]));
  }
  return a === b;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The annotations a Deployment gets when rolled back to a ReplicaSet, as kubectl computes them:
 * its own bookkeeping annotations, plus every other annotation of the ReplicaSet (so the change-cause
 * of the revision comes back with it).
 */
export function rollbackAnnotations(
  deployment: Readonly<Record<string, string>> = {},
  replicaSet: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(deployment)) {
    if (ANNOTATIONS_KEPT_ON_ROLLBACK.has(key)) annotations[key] = value;
  }
  for (const [key, value] of Object.entries(replicaSet)) {
    if (!ANNOTATIONS_KEPT_ON_ROLLBACK.has(key)) annotations[key] = value;
  }
  return annotations;
}

/** The value of a revision annotation; like kubectl, anything but a whole number is no revision. */
export function parseRevision(text: string | undefined): number | undefined {
  return text !== undefined && /^[0-9]+$/.test(text) ? Number(text) : undefined;
}

export function imagesOf(template: V1PodTemplateSpec | undefined): string {
  const images = (template?.spec?.containers ?? []).map((c) => c.image ?? `${c.name} (no image)`);
  return `${images.length === 1 ? 'image' : 'images'} ${images.join(', ')}`;
}

/** `revision 2 (image registry/checkout:1.9.0, "release 1.9.0")`. */
export function describeRevision(revision: Revision): string {
  const cause = revision.changeCause ? `, "${revision.changeCause}"` : '';
  return `revision ${revision.revision} (${imagesOf(revision.template)}${cause})`;
}

// ---------------------------------------------------------------------------------------------
// Reading and patching workloads.

/** Runs an API call, naming the workload in its error. */
async function namingWorkload<T>(ref: WorkloadRef<string>, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new Error(`${describeWorkload(ref)}: ${apiErrorMessage(error)}`, { cause: error });
  }
}

export function readWorkload(cluster: Cluster, ref: WorkloadRef): Promise<RolloutWorkload> {
  const request = { name: ref.name, namespace: ref.namespace };
  return namingWorkload(ref, () => {
    switch (ref.kind) {
      case 'Deployment':
        return cluster.apps.readNamespacedDeployment(request);
      case 'StatefulSet':
        return cluster.apps.readNamespacedStatefulSet(request);
      case 'DaemonSet':
        return cluster.apps.readNamespacedDaemonSet(request);
    }
  });
}

export function patchWorkload(cluster: Cluster, ref: WorkloadRef, patch: WorkloadPatch): Promise<RolloutWorkload> {
  const request = { name: ref.name, namespace: ref.namespace, body: patch.body };
  const options = cluster.lib.setHeaderOptions('Content-Type', patch.strategy);
  return namingWorkload(ref, () => {
    switch (ref.kind) {
      case 'Deployment':
        return cluster.apps.patchNamespacedDeployment(request, options);
      case 'StatefulSet':
        return cluster.apps.patchNamespacedStatefulSet(request, options);
      case 'DaemonSet':
        return cluster.apps.patchNamespacedDaemonSet(request, options);
    }
  });
}

/** Only Deployments pause; kubectl refuses to roll back or restart a paused one. */
export function pausedRefusal(ref: WorkloadRef, workload: RolloutWorkload, doing: string): string | undefined {
  const spec = workload.spec ?? {};
  if (ref.kind !== 'Deployment' || !('paused' in spec && spec.paused)) return undefined;
  return `${describeWorkload(ref)} is paused: cannot ${doing} it; resume it first (kubectl rollout resume deployment/${ref.name})`;
}

function isControlledBy(object: { metadata?: V1ObjectMeta }, owner: { metadata?: V1ObjectMeta }): boolean {
  const controller = object.metadata?.ownerReferences?.find((o) => o.controller);
  return controller !== undefined && controller.uid === owner.metadata?.uid;
}

/** Every revision the workload can go back to, in no particular order. */
export async function revisionHistory(
  cluster: Cluster,
  ref: WorkloadRef,
  workload: RolloutWorkload,
): Promise<Revision[]> {
  const namespace = ref.namespace;
  if (ref.kind === 'Deployment') {
    // Owned ReplicaSets match the Deployment's (immutable) selector, so the owner is enough.
    const replicaSets = await namingWorkload(ref, () => cluster.apps.listNamespacedReplicaSet({ namespace }));
    return replicaSets.items
      .filter((rs) => isControlledBy(rs, workload))
      .flatMap((rs) => {
        const revision = parseRevision(rs.metadata?.annotations?.[REVISION_ANNOTATION]);
        return revision === undefined ? [] : [deploymentRevision(workload, rs, revision)];
      });
  }
  const revisions = await namingWorkload(ref, () => cluster.apps.listNamespacedControllerRevision({ namespace }));
  return revisions.items.filter((cr) => isControlledBy(cr, workload)).map(controllerRevision);
}

/** A Deployment's revision: its ReplicaSet's template goes back with kubectl's JSON patch. */
function deploymentRevision(deployment: V1Deployment, replicaSet: V1ReplicaSet, revision: number): Revision {
  const template = withoutHashLabel(replicaSet.spec?.template ?? {});
  const annotations = rollbackAnnotations(deployment.metadata?.annotations, replicaSet.metadata?.annotations);
  return {
    revision,
    template,
    changeCause: replicaSet.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION],
    restore: {
      strategy: 'application/json-patch+json',
      body: [
        { op: 'replace', path: '/spec/template', value: template },
        { op: 'replace', path: '/metadata/annotations', value: annotations },
      ],
    },
  };
}

/** A StatefulSet's or DaemonSet's revision: its data is the strategic-merge patch that restores it. */
function controllerRevision(revision: V1ControllerRevision): Revision {
  const data = (revision.data ?? {}) as { spec?: { template?: V1PodTemplateSpec & { $patch?: string } } };
  const { $patch: _, ...template } = data.spec?.template ?? {};
  return {
    revision: revision.revision,
    template,
    changeCause: revision.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION],
    restore: { strategy: 'application/strategic-merge-patch+json', body: data },
  };
}

/** The revision the workload runs: the Deployment's annotation, else the newest ControllerRevision. */
export async function currentRevision(
  cluster: Cluster,
  ref: WorkloadRef,
  workload: RolloutWorkload,
): Promise<number | undefined> {
  if (ref.kind === 'Deployment') return parseRevision(workload.metadata?.annotations?.[REVISION_ANNOTATION]);
  const history = await revisionHistory(cluster, ref, workload);
  return history.length === 0 ? undefined : Math.max(...history.map((h) => h.revision));
}

/** `kubectl rollout restart`'s patch: a new template annotation makes a new revision. */
export function restartPatch(now: Date): WorkloadPatch {
  return {
    strategy: 'application/strategic-merge-patch+json',
    body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: now.toISOString() } } } } },
  };
}

// ---------------------------------------------------------------------------------------------
// Scaling.

export function readScale(cluster: Cluster, ref: WorkloadRef<ScaleKind>): Promise<V1Scale> {
  const request = { name: ref.name, namespace: ref.namespace };
  return namingWorkload(ref, () => {
    switch (ref.kind) {
      case 'Deployment':
        return cluster.apps.readNamespacedDeploymentScale(request);
      case 'StatefulSet':
        return cluster.apps.readNamespacedStatefulSetScale(request);
      case 'ReplicaSet':
        return cluster.apps.readNamespacedReplicaSetScale(request);
    }
  });
}

/** How often a scale whose object changed between read and write is tried again (client-go's DefaultRetry). */
const SCALE_ATTEMPTS = 5;

/**
 * Sets the replica count through the scale subresource and returns the count it replaced. The
 * patch carries the resourceVersion it read, so the count returned is the one it really replaced.
 */
export async function scaleTo(cluster: Cluster, ref: WorkloadRef<ScaleKind>, replicas: number): Promise<number> {
  const options = cluster.lib.setHeaderOptions('Content-Type', cluster.lib.PatchStrategy.MergePatch);
  for (let attempt = 1; ; attempt++) {
    const scale = await readScale(cluster, ref);
    const request = {
      name: ref.name,
      namespace: ref.namespace,
      body: { metadata: { resourceVersion: scale.metadata?.resourceVersion }, spec: { replicas } },
    };
    try {
      switch (ref.kind) {
        case 'Deployment':
          await cluster.apps.patchNamespacedDeploymentScale(request, options);
          break;
        case 'StatefulSet':
          await cluster.apps.patchNamespacedStatefulSetScale(request, options);
          break;
        case 'ReplicaSet':
          await cluster.apps.patchNamespacedReplicaSetScale(request, options);
          break;
      }
      return scale.spec?.replicas ?? 0;
    } catch (error) {
      if (!isConflict(error) || attempt >= SCALE_ATTEMPTS) {
        throw new Error(`scaling ${describeWorkload(ref)}: ${apiErrorMessage(error)}`, { cause: error });
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Waiting.

/** What a wait needs from the step running it (an action's ExecuteContext has all of it). */
export interface WaitContext {
  readonly signal: AbortSignal;
  /** The step's timeout: the wait's own when the action has no `timeout` input. */
  readonly timeoutMs?: number;
  progress(message: string, data?: Record<string, unknown>): void;
}

/** Waits like `kubectl rollout status`; fails fast when the rollout cannot finish. */
export function waitForRollout(
  cluster: Cluster,
  ref: WorkloadRef,
  context: WaitContext,
  timeout?: string,
): Promise<RolloutWorkload> {
  return waitForWorkload(cluster, ref, 'finish rolling out', (w) => rolloutStatus(ref.kind, w), context, timeout);
}

/** Waits until a scaled workload has exactly `replicas` available pods. */
export function waitForReplicas(
  cluster: Cluster,
  ref: WorkloadRef<ScaleKind>,
  replicas: number,
  context: WaitContext,
  timeout?: string,
): Promise<ScalableWorkload> {
  return waitForWorkload<ScalableWorkload>(
    cluster,
    ref,
    `reach ${replicas} available replicas`,
    (w) => scaleStatus(w, replicas),
    context,
    timeout,
  );
}

/**
 * Watches one workload until `status` says done (resolving with the workload) or failed
 * (rejecting), reporting each new status as progress. Bounded by `timeout`, else the step's
 * timeout, and by the step's signal.
 */
async function waitForWorkload<T extends RolloutWorkload | ScalableWorkload>(
  cluster: Cluster,
  ref: WorkloadRef<string>,
  goal: string,
  status: (workload: T) => RolloutStatus,
  context: WaitContext,
  timeout: string | undefined,
): Promise<T> {
  const what = describeWorkload(ref);
  const timeoutMs = timeout === undefined ? context.timeoutMs : durationMs(timeout);
  let last = 'not seen yet';
  const [workload, outcome] = await watchUntil<T, [T | undefined, RolloutStatus]>(
    cluster,
    { apiVersion: 'apps/v1', kind: ref.kind, namespace: ref.namespace, fieldSelector: `metadata.name=${ref.name}` },
    ([seen]) => {
      const now = seen ? status(seen) : failed('not found');
      if (now.message !== last) {
        last = now.message;
        context.progress(`${what}: ${now.message}`, { ...ref, state: now.state });
      }
      return now.state === 'waiting' ? undefined : [seen, now];
    },
    context.signal,
    timeoutMs === undefined
      ? undefined
      : {
          ms: timeoutMs,
          error: () => new Error(`${what} did not ${goal} within ${formatDuration(timeoutMs)}: ${last}`),
        },
  );
  if (outcome.state === 'failed' || !workload) throw new Error(`${what}: ${outcome.message}`);
  return workload;
}
// ---------------------------------------------------------------------------------------------
// Permissions.

/** Verbs on the workload itself, or on one of its subresources (scale). */
export function workloadPermissions(
  ref: WorkloadRef<RolloutKind | ScaleKind>,
  verbs: readonly string[],
  subresource?: string,
): Permission[] {
  return verbs.map((verb) => ({
    verb,
    group: 'apps',
    resource: RESOURCES[ref.kind],
    subresource,
    namespace: ref.namespace,
    name: ref.name,
  }));
}

/** What a wait on the workload needs: a list then a watch, both narrowed to its name. */
export function waitPermissions(ref: WorkloadRef<RolloutKind | ScaleKind>): Permission[] {
  return workloadPermissions(ref, ['list', 'watch']);
}

/** Listing the workload's revisions: its ReplicaSets, or its ControllerRevisions. */
export function historyPermission(ref: WorkloadRef): Permission {
  return {
    verb: 'list',
    group: 'apps',
    resource: ref.kind === 'Deployment' ? 'replicasets' : 'controllerrevisions',
    namespace: ref.namespace,
  };
}
