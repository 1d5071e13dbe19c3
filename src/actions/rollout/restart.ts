import Type from 'typebox';
import { apiErrorMessage } from '../../kube/errors.ts';
import { describeWorkload, workloadRef } from '../../kube/workloads/kind.ts';
import { currentRevisionPermissions, waitPermissions, workloadPermissions } from '../../kube/workloads/permissions.ts';
import { ROLLOUT_KINDS, rolloutsOf, workloadKind } from '../../kube/workloads/registry.ts';
import { imagesOf, restartPatch } from '../../kube/workloads/revisions.ts';
import { waitForRollout } from '../../kube/workloads/wait.ts';
import { WaitTimeout, workloadInputs } from '../../runbook/inputs.ts';
import { defineAction, waitLimitMs } from '../action.ts';

export default defineAction({
  name: 'rollout.restart',
  summary: 'Restart the pods of a workload with a rolling update, then wait for it.',
  mutating: true,
  input: Type.Object(
    { ...workloadInputs(ROLLOUT_KINDS), timeout: WaitTimeout('the restart to roll out') },
    {
      additionalProperties: false,
      examples: [{ kind: 'Deployment', name: 'catalog', namespace: 'shop' }],
    },
  ),
  outputs: { revision: 'Revision created by the restart.' },

  plan: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const rollouts = rolloutsOf(ref.kind);
    const what = describeWorkload(ref);
    try {
      const workload = await rollouts.read(cluster, ref);
      const paused = rollouts.refusal?.(ref, workload, 'restart');
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
    return [...workloadPermissions(ref, ['get', 'patch']), ...waitPermissions(ref), ...currentRevisionPermissions(ref)];
  },

  execute: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const rollouts = rolloutsOf(ref.kind);
    const paused = rollouts.refusal?.(ref, await rollouts.read(cluster, ref), 'restart');
    if (paused) throw new Error(paused);
    context.record({
      type: 'irreversible',
      what: `restart ${describeWorkload(ref)}: its pods are replaced`,
      objects: [
        { apiVersion: workloadKind(ref.kind).apiVersion, kind: ref.kind, namespace: ref.namespace, name: ref.name },
      ],
    });
    context.progress(`restarting ${describeWorkload(ref)}`, { ...ref });
    await rollouts.patch(cluster, ref, restartPatch(new Date()));
    const workload = await waitForRollout(cluster, ref, context, waitLimitMs(input.timeout, context.timeoutMs));
    return { outputs: { revision: await rollouts.revisions.current(cluster, ref, workload) } };
  },
});
