// A workload patch whose effect is journaled before it is sent, as every change a drill makes is
// (kube/changes.ts): rolling a workload back to a revision changes its pod template, and undoing
// that puts the template (and so the release) back as it was.
import { recordedPatch, type WriteContext } from '../changes.ts';
import type { Cluster } from '../cluster.ts';
import { groupVersionPath } from '../watch.ts';
import { namingWorkload, type WorkloadPatch, type WorkloadRef } from './kind.ts';
import { workloadKind, type WorkloadKindName } from './registry.ts';

export function workloadPath(ref: WorkloadRef<WorkloadKindName>): string {
  const kind = workloadKind(ref.kind);
  return `${groupVersionPath(kind.apiVersion)}/namespaces/${ref.namespace}/${kind.resource}/${ref.name}`;
}

export async function patchRecorded(
  cluster: Cluster,
  ref: WorkloadRef<WorkloadKindName>,
  patch: WorkloadPatch,
  { signal, record }: WriteContext,
): Promise<void> {
  const identity = { apiVersion: workloadKind(ref.kind).apiVersion, kind: ref.kind };
  await namingWorkload(ref, () =>
    recordedPatch(
      cluster,
      identity,
      workloadPath(ref),
      { contentType: patch.strategy, body: patch.body },
      record,
      signal,
    ),
  );
}
