import Type from 'typebox';
import type { Cluster } from '../../kube/cluster.ts';
import { apiErrorMessage } from '../../kube/errors.ts';
import { describeWorkload, workloadRef, type WorkloadRef } from '../../kube/workloads/kind.ts';
import { historyPermission, waitPermissions, workloadPermissions } from '../../kube/workloads/permissions.ts';
import { ROLLOUT_KINDS, type RolloutKind, rolloutsOf } from '../../kube/workloads/registry.ts';
import { patchRecorded } from '../../kube/workloads/recorded-patch.ts';
import { chooseRevision, describeRevision, sameTemplate } from '../../kube/workloads/revisions.ts';
import { waitForRollout } from '../../kube/workloads/wait.ts';
import { WaitTimeout, workloadInputs } from '../../runbook/inputs.ts';
import { defineAction, waitLimitMs } from '../action.ts';

/** The rollback kubectl would do: from the current revision to the chosen one. */
async function resolveUndo(cluster: Cluster, ref: WorkloadRef<RolloutKind>, toRevision: number) {
  const rollouts = rolloutsOf(ref.kind);
  const workload = await rollouts.read(cluster, ref);
  const history = await rollouts.revisions.list(cluster, ref, workload);
  const { current, target } = chooseRevision(history, toRevision, describeWorkload(ref));
  return {
    current,
    target,
    paused: rollouts.refusal?.(ref, workload, 'roll back'),
    alreadyThere: sameTemplate(target.template, workload.spec?.template),
  };
}

export default defineAction({
  name: 'rollout.undo',
  summary: 'Roll a workload back to its previous or a given revision, then wait for the rollout.',
  mutating: true,
  input: Type.Object(
    {
      ...workloadInputs(ROLLOUT_KINDS),
      toRevision: Type.Optional(
        Type.Integer({
          minimum: 0,
          default: 0,
          description: 'Revision to roll back to; 0 means the previous one.',
        }),
      ),
      wait: Type.Optional(
        Type.Boolean({
          default: true,
          description: 'Wait until the rolled-back revision is fully rolled out.',
        }),
      ),
      timeout: WaitTimeout('the rollout'),
    },
    {
      additionalProperties: false,
      examples: [{ kind: 'Deployment', name: 'checkout', namespace: 'shop', timeout: '2m' }],
    },
  ),
  outputs: {
    fromRevision: 'Revision that was current before the undo.',
    toRevision:
      'Revision that was rolled back to, as numbered before the undo (the controller then records it as the newest).',
  },

  plan: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const what = describeWorkload(ref);
    let undo: Awaited<ReturnType<typeof resolveUndo>>;
    try {
      undo = await resolveUndo(cluster, ref, input.toRevision ?? 0);
    } catch (error) {
      return { summary: `cannot roll back: ${apiErrorMessage(error)}` };
    }
    const { current, target, paused, alreadyThere } = undo;
    const details = [`current: ${describeRevision(current)}`, `target: ${describeRevision(target)}`];
    if (paused) return { summary: `cannot roll back: ${paused}`, details };
    if (input.wait !== false) details.push('then waits until the rollout is complete, like kubectl rollout status');
    if (alreadyThere) {
      return { summary: `nothing to roll back: ${what} is already at ${describeRevision(target)}`, details };
    }
    return {
      summary: `roll back ${what} from revision ${current.revision} to ${describeRevision(target)}`,
      details,
    };
  },

  permissions: (input, namespace) => {
    const ref = workloadRef(input, namespace);
    return [
      ...workloadPermissions(ref, ['get', 'patch']),
      historyPermission(ref),
      ...(input.wait === false ? [] : waitPermissions(ref)),
    ];
  },

  execute: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const what = describeWorkload(ref);
    const { current, target, paused, alreadyThere } = await resolveUndo(cluster, ref, input.toRevision ?? 0);
    if (paused) throw new Error(paused);
    const revisions = { ...ref, fromRevision: current.revision, toRevision: target.revision };
    if (alreadyThere) {
      context.progress(`${what} is already at revision ${target.revision}: nothing to roll back`, revisions);
    } else {
      context.progress(
        `rolling back ${what} from revision ${current.revision} to ${describeRevision(target)}`,
        revisions,
      );
      await patchRecorded(cluster, ref, target.restore, context);
    }
    if (input.wait !== false) {
      await waitForRollout(cluster, ref, context, waitLimitMs(input.timeout, context.timeoutMs));
    }
    return { outputs: { fromRevision: current.revision, toRevision: target.revision } };
  },
});
