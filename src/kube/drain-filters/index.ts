// The pod filters of `kubectl drain`, in kubectl's order (drain.Helper.makeFilters), and the way
// kubectl runs them (filterPods): each pod goes through the filters until one says not to delete
// it, and the verdict kept is the last filter's. So a warning survives only from the filter that
// stopped the chain or from the last one: kubectl never prints "deleting Pods with local storage",
// nor the warning of a forced orphaned DaemonSet pod. The order is the specification: a new rule is
// one more file and one more line here.
import type { V1Pod } from '@kubernetes/client-node';
import { daemonSetFilter } from './daemon-set.ts';
import type { FilterSettings, PodDeleteStatus, PodFilter } from './filter.ts';
import { localStorageFilter } from './local-storage.ts';
import { mirrorPodFilter } from './mirror.ts';
import { skipDeletedFilter } from './skip-deleted.ts';
import { unreplicatedFilter } from './unreplicated.ts';

export const podFilters: readonly PodFilter[] = [
  skipDeletedFilter,
  daemonSetFilter,
  mirrorPodFilter,
  localStorageFilter,
  unreplicatedFilter,
];

export interface PodDelete {
  pod: V1Pod;
  status: PodDeleteStatus;
}

export function filterPods(pods: readonly V1Pod[], settings: FilterSettings): PodDelete[] {
  return pods.map((pod) => {
    let status: PodDeleteStatus = { delete: true, reason: 'okay' };
    for (const filter of podFilters) {
      status = filter.decide(pod, settings);
      if (!status.delete) break;
    }
    return { pod, status };
  });
}

/**
 * kubectl's PodDeleteList.Warnings and errors: pods grouped by message, "message: ns/a, ns/b";
 * an error reads "cannot delete message: ...". Groups keep the order of their first pod (kubectl's
 * map has none).
 */
export function grouped(list: readonly PodDelete[], reason: 'warning' | 'error'): string[] {
  const groups = new Map<string, string[]>();
  for (const { pod, status } of list) {
    if (status.reason !== reason) continue;
    const message = status.message ?? 'unexpected error';
    groups.set(message, [...(groups.get(message) ?? []), `${pod.metadata?.namespace}/${pod.metadata?.name}`]);
  }
  const prefix = reason === 'error' ? 'cannot delete ' : '';
  return [...groups].map(([message, pods]) => `${prefix}${message}: ${pods.join(', ')}`);
}
