// When a workload is done changing, as a verdict with words for people: the vocabulary every
// kind's status viewer answers in, and the one check a scale waits on, which is the same for every
// kind that scales.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { Workload } from './kind.ts';

export interface RolloutStatus {
  state: 'done' | 'waiting' | 'failed';
  /** What the workload is doing, to follow its name: "2 of 3 new replicas updated". */
  message: string;
}

export const done = (message: string): RolloutStatus => ({ state: 'done', message });
export const waiting = (message: string): RolloutStatus => ({ state: 'waiting', message });
export const failed = (message: string): RolloutStatus => ({ state: 'failed', message });

/** Whether the controller has seen the latest spec; status numbers mean nothing before that. */
export function observed(workload: { metadata?: V1ObjectMeta; status?: { observedGeneration?: number } }): boolean {
  return (workload.status?.observedGeneration ?? 0) >= (workload.metadata?.generation ?? 0);
}

/**
 * Whether a scaled workload has `replicas` available pods and no others: neither extra replicas
 * nor, where the API counts them, pods still terminating.
 */
export function scaleStatus(workload: Workload, replicas: number): RolloutStatus {
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
