// The `service` strategy: the region's endpoints leave a Service, either because the region's
// workloads scale to zero (`scale`) or because the region's pods lose the label the Service selects
// on (`label`). Both record what they changed (replicas, label values), and restore puts exactly
// that back.
import type { V1Pod } from '@kubernetes/client-node';
import type { WriteContext } from '../changes.ts';
import type { Cluster } from '../cluster.ts';
import { apiErrorMessage, isInvalid, isNotFound } from '../errors.ts';
import { apiRequest } from '../objects.ts';
import { readScale, scaleTo } from '../workloads/scale.ts';
import { formatPointer } from './json-patch.ts';

export type WorkloadKind = 'Deployment' | 'StatefulSet';

export interface ScaledWorkload {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** Replicas before the drain. */
  replicas: number;
}

export interface RelabelledPod {
  namespace: string;
  name: string;
  uid: string;
  /** The label's value before the drain; null when the pod did not have it. */
  value: string | null;
}

export type ServiceRestore =
  | { strategy: 'service'; method: 'scale'; workloads: ScaledWorkload[] }
  | {
      strategy: 'service';
      method: 'label';
      label: string;
      /** The value the drain set (null: removed); records from before it was kept say nothing. */
      drainedValue?: string | null;
      pods: RelabelledPod[];
    };

export interface ScaleDrainOptions {
  namespace: string;
  workloads?: readonly { kind: WorkloadKind; name: string }[];
  workloadSelector?: string;
}

/** The region's workloads and their replicas now. */
export async function regionWorkloads(cluster: Cluster, options: ScaleDrainOptions): Promise<ScaledWorkload[]> {
  const { namespace } = options;
  if (options.workloads) {
    return Promise.all(
      options.workloads.map(async ({ kind, name }) => {
        const scale = await readScale(cluster, { kind, namespace, name });
        return { kind, namespace, name, replicas: scale.spec?.replicas ?? 0 };
      }),
    );
  }
  if (!options.workloadSelector)
    throw new Error('the service strategy with method scale needs workloads or a workloadSelector');
  const labelSelector = options.workloadSelector;
  const [deployments, statefulSets] = await Promise.all([
    cluster.apps.listNamespacedDeployment({ namespace, labelSelector }),
    cluster.apps.listNamespacedStatefulSet({ namespace, labelSelector }),
  ]);
  const found: ScaledWorkload[] = [
    ...deployments.items.map((d) => ({
      kind: 'Deployment' as const,
      name: d.metadata?.name ?? '',
      replicas: d.spec?.replicas ?? 1,
    })),
    ...statefulSets.items.map((s) => ({
      kind: 'StatefulSet' as const,
      name: s.metadata?.name ?? '',
      replicas: s.spec?.replicas ?? 1,
    })),
  ].map((w) => ({ ...w, namespace }));
  if (found.length === 0) throw new Error(`no Deployment or StatefulSet in ${namespace} matches ${labelSelector}`);
  return found;
}

export async function drainByScale(
  cluster: Cluster,
  options: ScaleDrainOptions,
  writes: WriteContext,
): Promise<ServiceRestore> {
  const workloads = await regionWorkloads(cluster, options);
  for (const workload of workloads) await scaleTo(cluster, workload, 0, writes);
  return { strategy: 'service', method: 'scale', workloads };
}

export interface LabelDrainOptions {
  namespace: string;
  service: string;
  label: string;
  /** The value the label gets; undefined removes it. */
  drainedValue?: string;
  region: string;
  regionLabel: string;
}

/** The Service's pods on the region's nodes; the label must be one the Service selects on. */
export async function regionPods(cluster: Cluster, options: LabelDrainOptions): Promise<V1Pod[]> {
  const { namespace } = options;
  const service = await cluster.core.readNamespacedService({ namespace, name: options.service });
  const selector = service.spec?.selector ?? {};
  if (!Object.hasOwn(selector, options.label)) {
    throw new Error(
      `Service ${namespace}/${options.service} does not select on the label ${options.label}: changing it would not take pods out (it selects on ${Object.keys(selector).join(', ') || 'nothing'})`,
    );
  }
  const labelSelector = Object.entries(selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const [pods, nodes] = await Promise.all([
    cluster.core.listNamespacedPod({ namespace, labelSelector }),
    cluster.core.listNode({ labelSelector: `${options.regionLabel}=${options.region}` }),
  ]);
  const regionNodes = new Set(nodes.items.map((n) => n.metadata?.name));
  return pods.items.filter((p) => regionNodes.has(p.spec?.nodeName) && !p.metadata?.deletionTimestamp);
}

function labelPatch(path: string, value: string | null, uid: string) {
  return [
    // The pod must be the one recorded, not a new pod that reuses its name.
    { op: 'test', path: '/metadata/uid', value: uid },
    // `add` works whether or not the label is there now, so the `remove` after it always can.
    { op: 'add', path, value: value ?? '' },
    ...(value === null ? [{ op: 'remove', path }] : []),
  ];
}

/** Sets (or, with null, removes) a pod's label, recording the label's value `from` and `value` first. */
async function setLabel(
  cluster: Cluster,
  pod: RelabelledPod,
  label: string,
  change: { from: string | null; to: string | null },
  { signal, record }: WriteContext,
): Promise<boolean> {
  const path = `/metadata/labels${formatPointer([label])}`;
  record({
    type: 'fields',
    object: { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
    fields: [{ path, before: change.from, after: change.to }],
  });
  try {
    await apiRequest(cluster, 'PATCH', `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`, {
      contentType: cluster.lib.PatchStrategy.JsonPatch,
      body: labelPatch(path, change.to, pod.uid),
      signal,
    });
    return true;
  } catch (error) {
    signal.throwIfAborted();
    // A pod that is gone (or replaced: its uid `test` fails) is no longer in the Service as recorded.
    if (isNotFound(error) || isInvalid(error)) return false;
    throw new Error(`labelling pod ${pod.namespace}/${pod.name}: ${apiErrorMessage(error)}`, { cause: error });
  }
}

export async function drainByLabel(
  cluster: Cluster,
  options: LabelDrainOptions,
  writes: WriteContext,
): Promise<ServiceRestore> {
  const pods = await regionPods(cluster, options);
  if (pods.length === 0)
    throw new Error(`Service ${options.namespace}/${options.service} has no pod in ${options.region}`);
  const changed: RelabelledPod[] = [];
  for (const pod of pods) {
    const record: RelabelledPod = {
      namespace: options.namespace,
      name: pod.metadata?.name ?? '',
      uid: pod.metadata?.uid ?? '',
      value: pod.metadata?.labels?.[options.label] ?? null,
    };
    const to = options.drainedValue ?? null;
    if (await setLabel(cluster, record, options.label, { from: record.value, to }, writes)) changed.push(record);
  }
  const drainedValue = options.drainedValue ?? null;
  return { strategy: 'service', method: 'label', label: options.label, drainedValue, pods: changed };
}

export async function restoreService(
  cluster: Cluster,
  restore: ServiceRestore,
  writes: WriteContext,
): Promise<string[]> {
  const done: string[] = [];
  if (restore.method === 'scale') {
    for (const workload of restore.workloads) {
      await scaleTo(cluster, workload, workload.replicas, writes);
      done.push(`${workload.kind} ${workload.namespace}/${workload.name}: ${workload.replicas} replicas`);
    }
    return done;
  }
  for (const pod of restore.pods) {
    const from = restore.drainedValue ?? null;
    const restored = await setLabel(cluster, pod, restore.label, { from, to: pod.value }, writes);
    done.push(
      `pod ${pod.namespace}/${pod.name}: ${restored ? `${restore.label}=${pod.value ?? '(none)'}` : 'gone, nothing to restore'}`,
    );
  }
  return done;
}
