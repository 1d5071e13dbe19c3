// Scaling through the scale subresource. The subresource is the same for every kind that has it, so
// one path, one read and one write serve them all, as kubectl's scale client is generic over
// resources: a kind only says that it scales.
import type { V1Scale } from '@kubernetes/client-node';
import type { Cluster } from '../cluster.ts';
import { apiErrorMessage, isConflict } from '../errors.ts';
import { apiRequest } from '../objects.ts';
import { groupVersionPath } from '../watch.ts';
import { describeWorkload, namingWorkload, type WorkloadRef } from './kind.ts';
import { type ScaleKind, workloadKind } from './registry.ts';

/** How often a scale whose object changed between read and write is tried again (client-go's DefaultRetry). */
const SCALE_ATTEMPTS = 5;

/** The URL path of a workload's scale subresource. */
export function scalePath(ref: WorkloadRef<ScaleKind>): string {
  const kind = workloadKind(ref.kind);
  return `${groupVersionPath(kind.apiVersion)}/namespaces/${ref.namespace}/${kind.resource}/${ref.name}/scale`;
}

export function readScale(cluster: Cluster, ref: WorkloadRef<ScaleKind>): Promise<V1Scale> {
  return namingWorkload(ref, async () => (await apiRequest(cluster, 'GET', scalePath(ref))).object as V1Scale);
}

/**
 * Sets the replica count and returns the count it replaced. The write carries the resourceVersion
 * it read, so the count returned is the one it really replaced.
 */
export async function scaleTo(cluster: Cluster, ref: WorkloadRef<ScaleKind>, replicas: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const scale = await readScale(cluster, ref);
    try {
      await apiRequest(cluster, 'PATCH', scalePath(ref), {
        contentType: cluster.lib.PatchStrategy.MergePatch,
        body: { metadata: { resourceVersion: scale.metadata?.resourceVersion }, spec: { replicas } },
      });
      return scale.spec?.replicas ?? 0;
    } catch (error) {
      if (!isConflict(error) || attempt >= SCALE_ATTEMPTS) {
        throw new Error(`scaling ${describeWorkload(ref)}: ${apiErrorMessage(error)}`, { cause: error });
      }
    }
  }
}
