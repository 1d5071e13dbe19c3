import Type from 'typebox';
import { apiErrorMessage } from '../../kube/errors.ts';
import { describeWorkload, workloadRef } from '../../kube/workloads/kind.ts';
import { currentRevisionPermissions, waitPermissions } from '../../kube/workloads/permissions.ts';
import { ROLLOUT_KINDS, rolloutsOf } from '../../kube/workloads/registry.ts';
import { waitForRollout } from '../../kube/workloads/wait.ts';
import { WaitTimeout, workloadInputs } from '../../runbook/inputs.ts';
import { defineAction, waitLimitMs } from '../action.ts';

export default defineAction({
  name: 'rollout.status',
  summary: 'Wait until the rollout of a workload is complete, like `kubectl rollout status`.',
  mutating: false,
  input: Type.Object(
    { ...workloadInputs(ROLLOUT_KINDS), timeout: WaitTimeout('the rollout') },
    {
      additionalProperties: false,
      examples: [{ kind: 'Deployment', name: 'frontend', namespace: 'shop', timeout: '1m' }],
    },
  ),
  outputs: { revision: 'Revision that is rolled out.' },

  plan: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const rollouts = rolloutsOf(ref.kind);
    const what = describeWorkload(ref);
    try {
      const status = rollouts.status(await rollouts.read(cluster, ref));
      return { summary: `wait for the rollout of ${what} (now: ${status.message})` };
    } catch (error) {
      return { summary: `wait for the rollout of ${what}`, warnings: [apiErrorMessage(error)] };
    }
  },

  permissions: (input, namespace) => {
    const ref = workloadRef(input, namespace);
    return [...waitPermissions(ref), ...currentRevisionPermissions(ref)];
  },

  execute: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const workload = await waitForRollout(cluster, ref, context, waitLimitMs(input.timeout, context.timeoutMs));
    return { outputs: { revision: await rolloutsOf(ref.kind).revisions.current(cluster, ref, workload) } };
  },
});
