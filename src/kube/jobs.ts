// Running a Job to completion, as a restore step does (a pg_restore, a script that reloads a
// bucket): created under a name of its own for each run, so drills can be repeated; waited for by
// watch; a failure named by the Job's condition, with the failed pod's last log lines when the
// cluster lets them be read (and a plain word when it does not).
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { WriteContext } from './changes.ts';
import type { Cluster } from './cluster.ts';
import { jobVerdict } from './conditions.ts';
import { apiErrorMessage } from './errors.ts';
import { apiRequest, describeObject, type Manifest, waitForObjects } from './objects.ts';
import { generatedName } from './generated-name.ts';

/** The last lines of a failed pod's log that a failure shows. */
export const LOG_TAIL_LINES = 20;

export interface JobRun {
  name: string;
  namespace: string;
  /** From the Job's own status: startTime to completionTime. */
  jobMs?: number;
  succeededPods: number;
}

/** The Job of a manifest, named `<its name>-<5 hex>` so that every run creates a Job of its own. */
export function jobToRun(manifest: Manifest, namespace: string): { name: string; namespace: string; body: Manifest } {
  const name = generatedName(manifest.metadata.name);
  const jobNamespace = manifest.metadata.namespace ?? namespace;
  return {
    name,
    namespace: jobNamespace,
    body: { ...manifest, metadata: { ...manifest.metadata, name, namespace: jobNamespace } },
  };
}

/** Creates the Job (recorded first: its undo deletes it), then waits for it to complete or fail. */
export async function runJob(
  cluster: Cluster,
  job: { name: string; namespace: string; body: Manifest },
  options: WriteContext & { limitMs?: number; progress: (message: string) => void },
): Promise<JobRun> {
  const what = describeObject({ kind: 'Job', ...job });
  options.record({
    type: 'created',
    object: { apiVersion: 'batch/v1', kind: 'Job', namespace: job.namespace, name: job.name },
  });
  const collection = `/apis/batch/v1/namespaces/${encodeURIComponent(job.namespace)}/jobs`;
  try {
    await apiRequest(cluster, 'POST', collection, { body: job.body, signal: options.signal });
  } catch (error) {
    options.signal.throwIfAborted();
    throw new Error(`creating ${what}: ${apiErrorMessage(error)}`, { cause: error });
  }
  options.progress(`created ${what}`);
  try {
    await waitForObjects(cluster, {
      what: `${what} to complete`,
      query: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        namespace: job.namespace,
        fieldSelector: `metadata.name=${job.name}`,
      },
      check: (objects) => {
        const [found] = objects;
        return found ? jobVerdict(found) : { state: 'waiting', seen: 'not found yet' };
      },
      limitMs: options.limitMs,
      signal: options.signal,
      onChange: (seen) => {
        options.progress(`${what}: ${seen}`);
      },
    });
  } catch (error) {
    options.signal.throwIfAborted();
    const logs = await failedPodLogs(cluster, job);
    throw new Error(`${error instanceof Error ? error.message : String(error)}${logs}`, { cause: error });
  }
  const { object } = await apiRequest(cluster, 'GET', `${collection}/${encodeURIComponent(job.name)}`);
  return { name: job.name, namespace: job.namespace, ...timesOf(object as V1Job) };
}

function timesOf(job: V1Job): Pick<JobRun, 'jobMs' | 'succeededPods'> {
  const start = job.status?.startTime;
  const end = job.status?.completionTime;
  return {
    jobMs: start && end ? new Date(end).getTime() - new Date(start).getTime() : undefined,
    succeededPods: job.status?.succeeded ?? 0,
  };
}

/** The newest failed pod's last log lines, or why they cannot be shown. */
async function failedPodLogs(cluster: Cluster, job: { name: string; namespace: string }): Promise<string> {
  const pods = await cluster.core
    .listNamespacedPod({ namespace: job.namespace, labelSelector: `batch.kubernetes.io/job-name=${job.name}` })
    .then((list) => list.items)
    .catch(() => [] as V1Pod[]);
  const failed = pods
    .filter((pod) => pod.status?.phase === 'Failed')
    .sort((a, b) => String(b.metadata?.creationTimestamp).localeCompare(String(a.metadata?.creationTimestamp)))[0];
  if (!failed) return pods.length === 0 ? '; the Job has no pod to read logs from' : '';
  const pod = failed.metadata?.name ?? '';
  try {
    const log = await cluster.core.readNamespacedPodLog({
      name: pod,
      namespace: job.namespace,
      tailLines: LOG_TAIL_LINES,
    });
    return log.trim() === '' ? `; pod ${pod} logged nothing` : `; last lines of pod ${pod}:\n${log.trimEnd()}`;
  } catch (error) {
    return `; the logs of pod ${pod} cannot be read: ${apiErrorMessage(error)}`;
  }
}

export function isJobManifest(manifest: Manifest): boolean {
  return manifest.apiVersion === 'batch/v1' && manifest.kind === 'Job';
}
