// One rule of `kubectl drain`'s pod selection (k8s.io/kubectl/pkg/drain/filters.go), in kubectl's
// own terms: a filter looks at one pod and says whether it may be deleted, and with which warning
// or error. The verdicts, their wording and what they mean are kubectl's; only the hint in an error
// names our input (`force: true`) where kubectl names its flag (`--force`).
import type { V1OwnerReference, V1Pod } from '@kubernetes/client-node';

/** The knobs the filters read: kubectl's drain.Helper fields that select pods. */
export interface FilterSettings {
  /** kubectl --ignore-daemonsets. */
  ignoreDaemonSets: boolean;
  /** kubectl --delete-emptydir-data. */
  deleteEmptyDirData: boolean;
  /** kubectl --force. */
  force: boolean;
  /** kubectl --skip-wait-for-delete-timeout: pods deleted more than this many seconds ago are skipped; 0 never. */
  skipWaitForDeleteTimeoutSeconds: number;
  /** Whether a pod's DaemonSet still exists (kubectl GETs it; the caller has listed them once). */
  daemonSetExists: (namespace: string, name: string) => boolean;
  /** The wall clock the age of a deletion is measured against, in ms since the epoch. */
  now: number;
}

/** kubectl's PodDeleteStatus: `delete` decides, `reason` says whether a message is a warning or an error. */
export interface PodDeleteStatus {
  delete: boolean;
  reason: 'okay' | 'skip' | 'warning' | 'error';
  message?: string;
}

export interface PodFilter {
  /** kubectl's name for the filter, so a reader can find its Go counterpart. */
  name: string;
  decide: (pod: V1Pod, settings: FilterSettings) => PodDeleteStatus;
}

export const okay: PodDeleteStatus = { delete: true, reason: 'okay' };
export const skip: PodDeleteStatus = { delete: false, reason: 'skip' };
export const warning = (deletePod: boolean, message: string): PodDeleteStatus => ({
  delete: deletePod,
  reason: 'warning',
  message,
});
export const error = (message: string): PodDeleteStatus => ({ delete: false, reason: 'error', message });

/** Succeeded or Failed: such a pod has already disrupted whatever it served, so any filter lets it go. */
export function isFinished(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** metav1.GetControllerOf: the owner reference marked as the controller. */
export function controllerOf(pod: V1Pod): V1OwnerReference | undefined {
  return pod.metadata?.ownerReferences?.find((o) => o.controller);
}
