// Every workload kind drill knows, by name: kubectl's polymorphichelpers lookup (StatusViewerFor,
// RollbackerFor) as one table. A kind is added with its own file and one line here; which actions
// take it (rollout.*, scale) follows from what its object provides.
import { daemonSet } from './daemonset.ts';
import { deployment } from './deployment.ts';
import type { Rollouts, WorkloadKind } from './kind.ts';
import { replicaSet } from './replicaset.ts';
import { statefulSet } from './statefulset.ts';

// The order is the order actions list the kinds they take (in their schema and help).
const WORKLOAD_KINDS = {
  Deployment: deployment,
  StatefulSet: statefulSet,
  DaemonSet: daemonSet,
  ReplicaSet: replicaSet,
};

type Kinds = typeof WORKLOAD_KINDS;
export type WorkloadKindName = keyof Kinds;
/** Kinds with rollouts (revisions, `kubectl rollout`). */
export type RolloutKind = {
  [K in WorkloadKindName]: Kinds[K] extends { rollout: object } ? K : never;
}[WorkloadKindName];
/** Kinds with the scale subresource. */
export type ScaleKind = { [K in WorkloadKindName]: Kinds[K] extends { scales: true } ? K : never }[WorkloadKindName];

const KINDS: Readonly<Record<WorkloadKindName, WorkloadKind>> = WORKLOAD_KINDS;
const NAMES = Object.keys(KINDS) as WorkloadKindName[];

export const ROLLOUT_KINDS: readonly RolloutKind[] = NAMES.filter(
  (name): name is RolloutKind => KINDS[name].rollout !== undefined,
);
export const SCALE_KINDS: readonly ScaleKind[] = NAMES.filter((name): name is ScaleKind => KINDS[name].scales === true);

export function workloadKind(name: WorkloadKindName): WorkloadKind {
  return KINDS[name];
}

/** The rollouts of a kind that has them. */
export function rolloutsOf(name: RolloutKind): Rollouts {
  return WORKLOAD_KINDS[name].rollout;
}

/** The kind of that name, if drill knows it: for callers that take any kind, like readiness checks. */
export function workloadKindNamed(name: string): WorkloadKind | undefined {
  return Object.hasOwn(KINDS, name) ? KINDS[name as WorkloadKindName] : undefined;
}
