// ReplicaSets: they scale, but have no rollouts of their own (a Deployment rolls out through them),
// so `kubectl rollout` does not take them and neither does drill.
import type { WorkloadKind } from './kind.ts';

export const replicaSet = {
  apiVersion: 'apps/v1',
  resource: 'replicasets',
  scales: true,
} satisfies WorkloadKind;
