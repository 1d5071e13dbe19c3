// skipDeletedFilter: a pod whose deletion began more than skipWaitForDeleteTimeout ago is left
// alone, neither evicted nor waited for (a node that is down never finishes it). A pod deleted more
// recently, or any when the timeout is 0, goes on through the other filters and is waited for.
import type { V1Pod } from '@kubernetes/client-node';
import { okay, type PodFilter, skip } from './filter.ts';

/** kubectl's shouldSkipPod: whole seconds since the deletion, strictly more than the timeout. */
export function deletedLongAgo(pod: V1Pod, timeoutSeconds: number, now: number): boolean {
  const deleted = pod.metadata?.deletionTimestamp;
  return (
    timeoutSeconds > 0 &&
    deleted !== undefined &&
    Math.trunc((now - new Date(deleted).getTime()) / 1000) > timeoutSeconds
  );
}

export const skipDeletedFilter: PodFilter = {
  name: 'skipDeletedFilter',
  decide: (pod, settings) =>
    deletedLongAgo(pod, settings.skipWaitForDeleteTimeoutSeconds, settings.now) ? skip : okay,
};
