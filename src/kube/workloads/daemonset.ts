// DaemonSets: status as kubectl's DaemonSetStatusViewer reads it (RollingUpdate only); revisions
// are ControllerRevisions. A DaemonSet runs one pod a node, so it does not scale.
import type { V1DaemonSet } from '@kubernetes/client-node';
import { controllerRevisions } from './controller-revisions.ts';
import { readAndPatch, type WorkloadKind } from './kind.ts';
import { done, failed, observed, type RolloutStatus, waiting } from './status.ts';

export function daemonSetRolloutStatus(daemonSet: V1DaemonSet): RolloutStatus {
  const type = daemonSet.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (type !== 'RollingUpdate') {
    return failed(`rollout status is only available for the RollingUpdate strategy, not ${type}`);
  }
  if (!observed(daemonSet)) return waiting('waiting for the spec update to be observed');
  const desired = daemonSet.status?.desiredNumberScheduled ?? 0;
  const updated = daemonSet.status?.updatedNumberScheduled ?? 0;
  const available = daemonSet.status?.numberAvailable ?? 0;
  if (updated < desired) return waiting(`${updated} of ${desired} new pods updated`);
  if (available < desired) return waiting(`${available} of ${desired} updated pods available`);
  return done('successfully rolled out');
}

export const daemonSet = {
  apiVersion: 'apps/v1',
  resource: 'daemonsets',
  rollout: {
    ...readAndPatch(
      (apps, request) => apps.readNamespacedDaemonSet(request),
      (apps, request, options) => apps.patchNamespacedDaemonSet(request, options),
    ),
    status: daemonSetRolloutStatus,
    revisions: controllerRevisions,
  },
} satisfies WorkloadKind<V1DaemonSet>;
