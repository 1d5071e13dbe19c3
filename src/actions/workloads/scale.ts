import Type from 'typebox';
import { apiErrorMessage } from '../../kube/errors.ts';
import { describeWorkload, workloadRef } from '../../kube/workloads/kind.ts';
import { waitPermissions, workloadPermissions } from '../../kube/workloads/permissions.ts';
import { SCALE_KINDS } from '../../kube/workloads/registry.ts';
import { readScale, scaleTo } from '../../kube/workloads/scale.ts';
import { waitForReplicas } from '../../kube/workloads/wait.ts';
import { WaitTimeout, workloadInputs } from '../../runbook/inputs.ts';
import { defineAction, waitLimitMs } from '../action.ts';

export default defineAction({
  name: 'scale',
  summary: 'Set the replica count of a workload and wait for it to be reached.',
  mutating: true,
  input: Type.Object(
    {
      ...workloadInputs(SCALE_KINDS),
      replicas: Type.Integer({ minimum: 0, description: 'Desired number of replicas.' }),
      wait: Type.Optional(
        Type.Boolean({ default: true, description: 'Wait until the ready replicas match `replicas`.' }),
      ),
      timeout: WaitTimeout('the replicas'),
    },
    {
      additionalProperties: false,
      examples: [{ kind: 'Deployment', name: 'frontend', namespace: 'shop', replicas: 6, wait: true }],
    },
  ),
  outputs: { previousReplicas: 'Replica count before scaling, for a rollback.' },

  plan: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const what = describeWorkload(ref);
    const details = input.wait === false ? [] : [`then waits until ${input.replicas} replicas are available`];
    try {
      const current = (await readScale(cluster, ref)).spec?.replicas ?? 0;
      const summary =
        current === input.replicas
          ? `nothing to scale: ${what} already has ${current} replicas`
          : `scale ${what} from ${current} to ${input.replicas} replicas`;
      return { summary, details };
    } catch (error) {
      return { summary: `cannot scale: ${apiErrorMessage(error)}` };
    }
  },

  permissions: (input, namespace) => {
    const ref = workloadRef(input, namespace);
    return [
      ...workloadPermissions(ref, ['get', 'patch'], 'scale'),
      ...(input.wait === false ? [] : waitPermissions(ref)),
    ];
  },

  execute: async (input, context) => {
    const cluster = await context.cluster();
    const ref = workloadRef(input, cluster.namespace);
    const what = describeWorkload(ref);
    const previousReplicas = await scaleTo(cluster, ref, input.replicas, context);
    context.progress(`scaled ${what} from ${previousReplicas} to ${input.replicas} replicas`, {
      ...ref,
      previousReplicas,
      replicas: input.replicas,
    });
    if (input.wait !== false) {
      await waitForReplicas(cluster, ref, input.replicas, context, waitLimitMs(input.timeout, context.timeoutMs));
    }
    return { outputs: { previousReplicas } };
  },
});
