/** Workload kinds that have rollouts (revisions, `kubectl rollout`). */
export const ROLLOUT_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
