// restore.job: a restore done by a Job (a pg_restore, a script reloading a bucket), run to
// completion and timed. The Job comes from a manifest file or inline YAML; each run creates one of
// its own (the manifest's name plus a suffix), so a drill can be practised again and again, and its
// undo record deletes it.
import Type from 'typebox';
import type { Permission } from '../../kube/access.ts';
import { isJobManifest, jobToRun, runJob } from '../../kube/jobs.ts';
import { describeObject, type Manifest, parseManifests } from '../../kube/objects.ts';
import { exactlyOneOf, Namespace, WaitTimeout } from '../../runbook/inputs.ts';
import { defineAction, waitLimitMs } from '../action.ts';
import { manifestInputs, manifestText, manifestTextNow } from '../manifest-source.ts';

const input = Type.Object(
  {
    ...manifestInputs,
    namespace: Type.Optional(Namespace('Namespace of the Job when its manifest names none.')),
    timeout: WaitTimeout('the Job to complete'),
  },
  {
    additionalProperties: false,
    ...exactlyOneOf('manifest', 'file'),
    examples: [
      {
        manifest: [
          'apiVersion: batch/v1',
          'kind: Job',
          'metadata: { name: restore-orders }',
          'spec:',
          '  template:',
          '    spec:',
          '      restartPolicy: Never',
          '      containers: [{ name: restore, image: registry.shop.example/orders-restore:1.0 }]',
        ].join('\n'),
        namespace: 'shop',
        timeout: '15m',
      },
    ],
  },
);

/** The one Job of the manifests; anything else is a mistake in the runbook. */
function theJob(text: string): Manifest {
  const manifests = parseManifests(text);
  const [job] = manifests;
  if (manifests.length !== 1 || !job || !isJobManifest(job)) {
    const found = manifests.map((m) => `${m.apiVersion} ${m.kind}`).join(', ') || 'nothing';
    throw new Error(`restore.job runs exactly one batch/v1 Job; the manifest holds ${found}`);
  }
  return job;
}

export default defineAction({
  name: 'restore.job',
  summary: 'Run a restore Job to completion and time it; a failure names its reason and the pod log tail.',
  mutating: true,
  input,
  outputs: {
    job: 'Name of the Job that ran (the manifest name plus a suffix of its own).',
    namespace: 'Namespace of the Job.',
    jobMs: "Milliseconds from the Job's startTime to its completionTime, as the cluster saw them.",
    succeededPods: 'Pods of the Job that succeeded.',
  },
  plan: async (input, context) => {
    const cluster = await context.cluster();
    const job = theJob(await manifestText(input, context.runbookDir));
    const namespace = job.metadata.namespace ?? input.namespace ?? cluster.namespace;
    return {
      summary: `run ${describeObject({ kind: 'Job', namespace, name: `${job.metadata.name}-…` })} and wait for it to complete`,
    };
  },
  permissions: (input, namespace, runbookDir): Permission[] => {
    const job = theJob(manifestTextNow(input, runbookDir ?? '.'));
    const where = { namespace: job.metadata.namespace ?? input.namespace ?? namespace };
    return [
      ...['create', 'get', 'list', 'watch', 'delete'].map((verb) => ({
        verb,
        group: 'batch',
        resource: 'jobs',
        ...where,
      })),
      { verb: 'list', group: '', resource: 'pods', ...where },
      { verb: 'get', group: '', resource: 'pods', subresource: 'log', ...where },
    ];
  },
  execute: async (input, context) => {
    const cluster = await context.cluster();
    const job = jobToRun(theJob(await manifestText(input, context.runbookDir)), input.namespace ?? cluster.namespace);
    const run = await runJob(cluster, job, {
      signal: context.signal,
      record: context.record,
      limitMs: waitLimitMs(input.timeout, context.timeoutMs),
      progress: (message) => {
        context.progress(message);
      },
    });
    return {
      outputs: { job: run.name, namespace: run.namespace, jobMs: run.jobMs, succeededPods: run.succeededPods },
    };
  },
});
