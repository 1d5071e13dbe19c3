import Type from 'typebox';
import { apiErrorMessage } from '../../kube/errors.ts';
import {
  currentRevision,
  describeWorkload,
  historyPermission,
  imagesOf,
  patchWorkload,
  pausedRefusal,
  readWorkload,
  restartPatch,
  waitForRollout,
  waitPermissions,
  workloadPermissions,
  workloadRef,
} from '../../kube/rollout.ts';
import { WaitTimeout, workloadInputs } from '../../runbook/inputs.ts';
import { defineAction } from '../action.ts';
import { ROLLOUT_KINDS } from './kinds.ts';

export default defineAction({
  name: 'rollout.restart',
  summary: 'Restart the pods of a workload with a rolling update, then wait for it.',
  mutating: true,
  input: Type.Object(
    { ...workloadInputs(ROLLOUT_KINDS), timeout: WaitTimeout('the restart to roll out') },
    { additionalProperties: false },
  ),
  outputs: { revision: 'Revision created by the restart.' },

  plan: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const what = describeWorkload(ref);
    try {
      const workload = await readWorkload(cluster, ref);
      const paused = pausedRefusal(ref, workload, 'restart');
      if (paused) return { summary: `cannot restart: ${paused}` };
      return {
        summary: `restart the pods of ${what} (${imagesOf(workload.spec?.template)}) with a rolling update`,
        details: ['then waits until the rollout is complete, like kubectl rollout status'],
      };
    } catch (error) {
      return { summary: `cannot restart: ${apiErrorMessage(error)}` };
    }
  },

  permissions: (input, namespace) => {
    const ref = workloadRef(input, namespace);
    return [
      ...workloadPermissions(ref, ['get', 'patch']),
      ...waitPermissions(ref),
      // The revision of a StatefulSet or DaemonSet is read from its ControllerRevisions.
      ...(ref.kind === 'Deployment' ? [] : [historyPermission(ref)]),
    ];
  },

  execute: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const paused = pausedRefusal(ref, await readWorkload(cluster, ref), 'restart');
    if (paused) throw new Error(paused);
    context.progress(`restarting ${describeWorkload(ref)}`, { ...ref });
    await patchWorkload(cluster, ref, restartPatch(new Date()));
    const workload = await waitForRollout(cluster, ref, context, input.timeout);
    return { outputs: { revision: await currentRevision(cluster, ref, workload) } };
  },
});
