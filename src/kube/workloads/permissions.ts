// The RBAC permissions workload actions need, checked before a run starts: built from what each
// kind's object says (its resource, where its revisions are listed), the same way for every kind.
import type { Permission } from '../access.ts';
import { groupOf } from '../objects.ts';
import type { WorkloadRef } from './kind.ts';
import { type RolloutKind, rolloutsOf, type WorkloadKindName, workloadKind } from './registry.ts';

/** Verbs on the workload itself, or on one of its subresources (scale). */
export function workloadPermissions(
  ref: WorkloadRef<WorkloadKindName>,
  verbs: readonly string[],
  subresource?: string,
): Permission[] {
  const kind = workloadKind(ref.kind);
  return verbs.map((verb) => ({
    verb,
    group: groupOf(kind.apiVersion),
    resource: kind.resource,
    subresource,
    namespace: ref.namespace,
    name: ref.name,
  }));
}

/** What a wait on the workload needs: a list then a watch, both narrowed to its name. */
export function waitPermissions(ref: WorkloadRef<WorkloadKindName>): Permission[] {
  return workloadPermissions(ref, ['list', 'watch']);
}

/** Listing the workload's revisions: a Deployment's ReplicaSets, another's ControllerRevisions. */
export function historyPermission(ref: WorkloadRef<RolloutKind>): Permission {
  return { verb: 'list', ...rolloutsOf(ref.kind).revisions.listed, namespace: ref.namespace };
}

/** What reading the current revision needs beyond the workload: its history, for kinds that list it. */
export function currentRevisionPermissions(ref: WorkloadRef<RolloutKind>): Permission[] {
  return rolloutsOf(ref.kind).revisions.currentLists ? [historyPermission(ref)] : [];
}
