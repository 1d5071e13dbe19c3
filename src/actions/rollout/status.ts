import Type from 'typebox';
import { apiErrorMessage } from '../../kube/errors.ts';
import {
  currentRevision,
  describeWorkload,
  historyPermission,
  readWorkload,
  rolloutStatus,
  waitForRollout,
  waitPermissions,
  workloadRef,
} from '../../kube/rollout.ts';
import { WaitTimeout, workloadInputs } from '../../runbook/inputs.ts';
import { defineAction } from '../action.ts';
import { ROLLOUT_KINDS } from './kinds.ts';

export default defineAction({
  name: 'rollout.status',
  summary: 'Wait until the rollout of a workload is complete, like `kubectl rollout status`.',
  mutating: false,
  input: Type.Object(
    { ...workloadInputs(ROLLOUT_KINDS), timeout: WaitTimeout('the rollout') },
    { additionalProperties: false },
  ),
  outputs: { revision: 'Revision that is rolled out.' },

  plan: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const what = describeWorkload(ref);
    try {
      const status = rolloutStatus(ref.kind, await readWorkload(cluster, ref));
      return { summary: `wait for the rollout of ${what} (now: ${status.message})` };
    } catch (error) {
      return { summary: `wait for the rollout of ${what}`, warnings: [apiErrorMessage(error)] };
    }
  },

  permissions: (input, namespace) => {
    const ref = workloadRef(input, namespace);
    // The revision of a StatefulSet or DaemonSet is read from its ControllerRevisions.
    return [...waitPermissions(ref), ...(ref.kind === 'Deployment' ? [] : [historyPermission(ref)])];
  },

  execute: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const workload = await waitForRollout(cluster, ref, context, input.timeout);
    return { outputs: { revision: await currentRevision(cluster, ref, workload) } };
  },
});
