// Deployments: status as kubectl's DeploymentStatusViewer reads it; revisions are the ReplicaSets
// a Deployment controls, numbered by an annotation, and going back to one writes its template and
// annotations back with kubectl's JSON patch (DeploymentRollbacker); a paused Deployment is neither
// rolled back nor restarted, as kubectl refuses to.
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import type { Cluster } from '../cluster.ts';
import { describeWorkload, namingWorkload, readAndPatch, type WorkloadKind, type WorkloadRef } from './kind.ts';
import {
  CHANGE_CAUSE_ANNOTATION,
  isControlledBy,
  parseRevision,
  type Revision,
  withoutHashLabel,
} from './revisions.ts';
import { done, failed, observed, type RolloutStatus, waiting } from './status.ts';

const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/**
 * Deployment annotations a rollback keeps rather than takes from the ReplicaSet: kubectl's
 * annotationsToSkip (last-applied configuration, revision bookkeeping, the deprecated rollbackTo).
 */
const ANNOTATIONS_KEPT_ON_ROLLBACK = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

export function deploymentRolloutStatus(deployment: V1Deployment): RolloutStatus {
  if (!observed(deployment)) return waiting('waiting for the spec update to be observed');
  const progressing = deployment.status?.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return failed(`exceeded its progress deadline${progressing.message ? ` (${progressing.message})` : ''}`);
  }
  const wanted = deployment.spec?.replicas ?? 1;
  const replicas = deployment.status?.replicas ?? 0;
  const updated = deployment.status?.updatedReplicas ?? 0;
  const available = deployment.status?.availableReplicas ?? 0;
  if (updated < wanted) return waiting(`${updated} of ${wanted} new replicas updated`);
  if (replicas > updated) return waiting(`${replicas - updated} old replicas pending termination`);
  if (available < updated) return waiting(`${available} of ${updated} updated replicas available`);
  return done('successfully rolled out');
}

/**
 * The annotations a Deployment gets when rolled back to a ReplicaSet, as kubectl computes them:
 * its own bookkeeping annotations, plus every other annotation of the ReplicaSet (so the change-cause
 * of the revision comes back with it).
 */
export function rollbackAnnotations(
  deployment: Readonly<Record<string, string>> = {},
  replicaSet: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(deployment)) {
    if (ANNOTATIONS_KEPT_ON_ROLLBACK.has(key)) annotations[key] = value;
  }
  for (const [key, value] of Object.entries(replicaSet)) {
    if (!ANNOTATIONS_KEPT_ON_ROLLBACK.has(key)) annotations[key] = value;
  }
  return annotations;
}

/** A Deployment's revision: its ReplicaSet's template goes back with kubectl's JSON patch. */
function replicaSetRevision(deployment: V1Deployment, replicaSet: V1ReplicaSet, revision: number): Revision {
  const template = withoutHashLabel(replicaSet.spec?.template ?? {});
  const annotations = rollbackAnnotations(deployment.metadata?.annotations, replicaSet.metadata?.annotations);
  return {
    revision,
    template,
    changeCause: replicaSet.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION],
    restore: {
      strategy: 'application/json-patch+json',
      body: [
        { op: 'replace', path: '/spec/template', value: template },
        { op: 'replace', path: '/metadata/annotations', value: annotations },
      ],
    },
  };
}

async function replicaSetRevisions(cluster: Cluster, ref: WorkloadRef, deployment: V1Deployment): Promise<Revision[]> {
  const namespace = ref.namespace;
  // Owned ReplicaSets match the Deployment's (immutable) selector, so the owner is enough.
  const replicaSets = await namingWorkload(ref, () => cluster.apps.listNamespacedReplicaSet({ namespace }));
  return replicaSets.items
    .filter((rs) => isControlledBy(rs, deployment))
    .flatMap((rs) => {
      const revision = parseRevision(rs.metadata?.annotations?.[REVISION_ANNOTATION]);
      return revision === undefined ? [] : [replicaSetRevision(deployment, rs, revision)];
    });
}

export const deployment = {
  apiVersion: 'apps/v1',
  resource: 'deployments',
  scales: true,
  rollout: {
    ...readAndPatch(
      (apps, request) => apps.readNamespacedDeployment(request),
      (apps, request, options) => apps.patchNamespacedDeployment(request, options),
    ),
    status: deploymentRolloutStatus,
    revisions: {
      list: replicaSetRevisions,
      current: (_cluster, _ref, deployment) =>
        Promise.resolve(parseRevision(deployment.metadata?.annotations?.[REVISION_ANNOTATION])),
      listed: { group: 'apps', resource: 'replicasets' },
      currentLists: false,
    },
    refusal: (ref, deployment, doing) =>
      deployment.spec?.paused
        ? `${describeWorkload(ref)} is paused: cannot ${doing} it; resume it first (kubectl rollout resume deployment/${ref.name})`
        : undefined,
  },
} satisfies WorkloadKind<V1Deployment>;
