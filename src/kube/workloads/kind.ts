// What a workload kind is to drill, the way kubectl's polymorphichelpers see kinds: a lookup gives
// each kind's behaviour (StatusViewerFor, RollbackerFor, HistoryViewerFor), one concern per
// function. Each kind is one object in its own file (deployment.ts, statefulset.ts, ...), found in
// registry.ts; what is the same for every kind (waits, scaling, permissions, choosing a revision)
// is written once in the modules beside them. This file decides the shape of a kind and how a
// workload is named.
import type { AppsV1Api, KubernetesObject, PatchStrategy, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { Cluster } from '../cluster.ts';
import { apiErrorMessage } from '../errors.ts';
import type { Revision } from './revisions.ts';
import type { RolloutStatus } from './status.ts';

export interface WorkloadRef<Kind extends string = string> {
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
export function describeWorkload(ref: WorkloadRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** Runs an API call, naming the workload in its error. */
export async function namingWorkload<T>(ref: WorkloadRef, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new Error(`${describeWorkload(ref)}: ${apiErrorMessage(error)}`, { cause: error });
  }
}

/** What the shared code reads of a workload of any kind. */
export interface Workload extends KubernetesObject {
  spec?: { replicas?: number; template?: V1PodTemplateSpec };
  status?: { observedGeneration?: number; replicas?: number; availableReplicas?: number };
}

/** A patch of a workload and how the API should read it. */
export interface WorkloadPatch {
  strategy: PatchStrategy;
  body: object;
}

/** One kind, as its file declares it and the registry holds it. */
export interface WorkloadKind<W extends Workload = Workload> {
  /** Where the kind is served: its group for RBAC, its URL for watches and the scale subresource. */
  readonly apiVersion: string;
  /** The plural name RBAC and URLs know the kind by. */
  readonly resource: string;
  /** Whether it has the scale subresource (`kubectl scale`). */
  readonly scales?: true;
  /** Present when the kind has revisions and rollouts (`kubectl rollout`). */
  readonly rollout?: Rollouts<W>;
}

/**
 * A kind's rollouts: reading and patching it, when a rollout is done, its revisions. Written as
 * methods so that a kind's object, typed for its own workload (V1Deployment), fits the registry's
 * Rollouts<Workload>.
 */
export interface Rollouts<W extends Workload = Workload> {
  read(cluster: Cluster, ref: WorkloadRef): Promise<W>;
  patch(cluster: Cluster, ref: WorkloadRef, patch: WorkloadPatch): Promise<W>;
  /** kubectl's StatusViewer: whether the rollout is done, still going, or cannot finish. */
  status(workload: W): RolloutStatus;
  revisions: RevisionSource<W>;
  /** Why the workload may not be rolled back or restarted now (`doing` it), if it may not. */
  refusal?(ref: WorkloadRef, workload: W, doing: string): string | undefined;
}

/** Where a kind keeps its revisions (kubectl's HistoryViewer), and the patch back to each (its Rollbacker). */
export interface RevisionSource<W extends Workload = Workload> {
  /** Every revision the workload can go back to, in no particular order. */
  list(cluster: Cluster, ref: WorkloadRef, workload: W): Promise<Revision[]>;
  /** The revision the workload runs now. */
  current(cluster: Cluster, ref: WorkloadRef, workload: W): Promise<number | undefined>;
  /** What the revisions are listed as, for RBAC. */
  readonly listed: { group: string; resource: string };
  /** Whether `current` lists the revisions, rather than reading the workload alone. */
  readonly currentLists: boolean;
}

/** What the typed client's calls for one object take (a patch adds its body). */
interface ObjectRequest {
  name: string;
  namespace: string;
}

/**
 * A kind's `read` and `patch` from the typed client's calls for it (the client has a pair per
 * kind): errors name the workload, and a patch goes with its strategy's Content-Type.
 */
export function readAndPatch<W extends Workload>(
  read: (apps: AppsV1Api, request: ObjectRequest) => Promise<W>,
  patch: (apps: AppsV1Api, request: ObjectRequest & { body: object }, options: HeaderOptions) => Promise<W>,
): Pick<Rollouts<W>, 'read' | 'patch'> {
  return {
    read: (cluster, ref) => namingWorkload(ref, () => read(cluster.apps, { name: ref.name, namespace: ref.namespace })),
    patch: (cluster, ref, { strategy, body }) =>
      namingWorkload(ref, () =>
        patch(
          cluster.apps,
          { name: ref.name, namespace: ref.namespace, body },
          cluster.lib.setHeaderOptions('Content-Type', strategy),
        ),
      ),
  };
}

type HeaderOptions = ReturnType<Cluster['lib']['setHeaderOptions']>;
