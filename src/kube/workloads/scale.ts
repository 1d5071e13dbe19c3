// Scaling through the scale subresource. The subresource is the same for every kind that has it, so
// one path, one read and one write serve them all, as kubectl's scale client is generic over
// resources: a kind only says that it scales.
import type { V1Scale } from '@kubernetes/client-node';
import type { Cluster } from '../cluster.ts';
import { type WriteContext, writeFields } from '../changes.ts';
import { apiErrorMessage } from '../errors.ts';
import { apiRequest } from '../objects.ts';
import { groupVersionPath } from '../watch.ts';
import { describeWorkload, namingWorkload, type WorkloadRef } from './kind.ts';
import { type ScaleKind, workloadKind } from './registry.ts';

/** The URL path of a workload's scale subresource. */
export function scalePath(ref: WorkloadRef<ScaleKind>): string {
  const kind = workloadKind(ref.kind);
  return `${groupVersionPath(kind.apiVersion)}/namespaces/${ref.namespace}/${kind.resource}/${ref.name}/scale`;
}

export function readScale(cluster: Cluster, ref: WorkloadRef<ScaleKind>): Promise<V1Scale> {
  return namingWorkload(ref, async () => (await apiRequest(cluster, 'GET', scalePath(ref))).object as V1Scale);
}

/**
 * Sets the replica count, recording the change first, and returns the count it replaced. The write
 * tests the count it read, so the count returned (the record's) is the one it really replaced.
 */
export async function scaleTo(
  cluster: Cluster,
  ref: WorkloadRef<ScaleKind>,
  replicas: number,
  { signal, record }: WriteContext,
): Promise<number> {
  const scale = await readScale(cluster, ref);
  let replaced = scale.spec?.replicas ?? 0;
  const identity = { apiVersion: workloadKind(ref.kind).apiVersion, kind: ref.kind, subresource: 'scale' as const };
  try {
    await writeFields(
      cluster,
      identity,
      scale,
      [{ path: '/spec/replicas', value: replicas }],
      (change) => {
        if (change.type === 'fields') replaced = Number(change.fields[0]?.before ?? 0);
        record(change);
      },
      signal,
    );
  } catch (error) {
    signal.throwIfAborted();
    throw new Error(`scaling ${describeWorkload(ref)} to ${replicas}: ${apiErrorMessage(error)}`, { cause: error });
  }
  return replaced;
}
