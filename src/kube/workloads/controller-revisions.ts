// The revisions of the kinds whose controller keeps them as ControllerRevisions (StatefulSet,
// DaemonSet): each revision's data is already the strategic-merge patch that restores it, as
// kubectl's StatefulSetRollbacker and DaemonSetRollbacker apply it, and the current revision is the
// newest one.
import type { V1ControllerRevision, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { Cluster } from '../cluster.ts';
import { namingWorkload, type RevisionSource, type Workload, type WorkloadRef } from './kind.ts';
import { CHANGE_CAUSE_ANNOTATION, isControlledBy, type Revision } from './revisions.ts';

async function list(cluster: Cluster, ref: WorkloadRef, workload: Workload): Promise<Revision[]> {
  const namespace = ref.namespace;
  const revisions = await namingWorkload(ref, () => cluster.apps.listNamespacedControllerRevision({ namespace }));
  return revisions.items.filter((cr) => isControlledBy(cr, workload)).map(controllerRevision);
}

function controllerRevision(revision: V1ControllerRevision): Revision {
  const data = (revision.data ?? {}) as { spec?: { template?: V1PodTemplateSpec & { $patch?: string } } };
  const { $patch: _, ...template } = data.spec?.template ?? {};
  return {
    revision: revision.revision,
    template,
    changeCause: revision.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION],
    restore: { strategy: 'application/strategic-merge-patch+json', body: data },
  };
}

export const controllerRevisions: RevisionSource = {
  list,
  current: async (cluster, ref, workload) => {
    const history = await list(cluster, ref, workload);
    return history.length === 0 ? undefined : Math.max(...history.map((h) => h.revision));
  },
  listed: { group: 'apps', resource: 'controllerrevisions' },
  currentLists: true,
};
