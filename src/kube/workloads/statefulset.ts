// StatefulSets: status as kubectl's StatefulSetStatusViewer reads it (RollingUpdate only, with its
// partition); revisions are ControllerRevisions.
import type { V1StatefulSet } from '@kubernetes/client-node';
import { controllerRevisions } from './controller-revisions.ts';
import { readAndPatch, type WorkloadKind } from './kind.ts';
import { done, failed, observed, type RolloutStatus, waiting } from './status.ts';

export function statefulSetRolloutStatus(statefulSet: V1StatefulSet): RolloutStatus {
  const strategy = statefulSet.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    return failed(`rollout status is only available for the RollingUpdate strategy, not ${strategy?.type}`);
  }
  // Unlike the others, a StatefulSet the controller has never looked at has observedGeneration 0.
  if (!statefulSet.status?.observedGeneration || !observed(statefulSet)) {
    return waiting('waiting for the spec update to be observed');
  }
  const wanted = statefulSet.spec?.replicas ?? 1;
  const ready = statefulSet.status.readyReplicas ?? 0;
  const updated = statefulSet.status.updatedReplicas ?? 0;
  if (ready < wanted) return waiting(`waiting for ${wanted - ready} pods to be ready`);
  if (strategy?.rollingUpdate) {
    const toUpdate = wanted - (strategy.rollingUpdate.partition ?? 0);
    if (updated < toUpdate) return waiting(`${updated} of ${toUpdate} new pods updated`);
    return done(`rolled out: ${updated} new pods updated`);
  }
  const { updateRevision, currentRevision } = statefulSet.status;
  if (updateRevision !== currentRevision) return waiting(`${updated} pods at revision ${updateRevision}`);
  return done(`rolled out: ${statefulSet.status.currentReplicas ?? 0} pods at revision ${currentRevision}`);
}

export const statefulSet = {
  apiVersion: 'apps/v1',
  resource: 'statefulsets',
  scales: true,
  rollout: {
    ...readAndPatch(
      (apps, request) => apps.readNamespacedStatefulSet(request),
      (apps, request, options) => apps.patchNamespacedStatefulSet(request, options),
    ),
    status: statefulSetRolloutStatus,
    revisions: controllerRevisions,
  },
} satisfies WorkloadKind<V1StatefulSet>;
