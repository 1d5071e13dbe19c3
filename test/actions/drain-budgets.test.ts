// nodes.drain under PodDisruptionBudgets that bind, against the sandbox: evictions wait for their
// budget's watch to show room instead of being sent to be refused (src/kube/budget-gate.ts). A
// refused eviction shows as a "... retrying" progress message and as a later attempt of the same
// pod; one sent at the fallback, without word from its budget, carries `fallback: true`.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import drain from '../../src/actions/nodes/drain.ts';
import uncordon from '../../src/actions/nodes/uncordon.ts';
import { resolveStepInput } from '../../src/runbook/resolve.ts';
import { actionContext, runAction } from '../support/actions.ts';
import { admin, apps, core, deployment, isPodReady, policy, testNamespace, waitFor } from '../support/sandbox.ts';

type Progress = { message: string; data?: Record<string, unknown> }[];

/** Evictions the apiserver refused, and evictions sent without the budget's word. */
function refusedOrBlind(progress: Progress): string[] {
  return progress
    .filter((p) => p.message.endsWith('; retrying') || p.data?.fallback === true || Number(p.data?.attempt) > 1)
    .map((p) => p.message);
}

describe('nodes.drain waits on PodDisruptionBudgets', () => {
  after(async () => {
    for (const node of (await core.listNode()).items) {
      if (node.spec?.unschedulable) await runAction(uncordon, { nodes: [node.metadata?.name], all: true });
    }
  });

  test('a budget allowing nothing gets no eviction; raising it wakes the drain, which then sends each once', async () => {
    const namespace = await testNamespace('t-drain-wake');
    const node = 'ap-south-a-2';
    const body = deployment('held', 3, { nodeSelector: { 'kubernetes.io/hostname': node } });
    if (body.spec?.template.metadata) body.spec.template.metadata.labels = { app: 'held', 'drill-test': namespace };
    await apps.createNamespacedDeployment({ namespace, body });
    await policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: 'held' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'held' } } } },
    });
    await waitFor('3 ready pods under an observed budget', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace, name: 'held' });
      return pdb.status?.currentHealthy === 3 && pdb.status.observedGeneration === pdb.metadata?.generation;
    });

    const { context, recorded } = actionContext();
    const input = resolveStepInput(
      drain,
      { nodes: [node], podSelector: `drill-test=${namespace}`, timeout: '2m' },
      { params: {}, outputs: {} },
    );
    const drained = drain.execute?.(input, context);
    const blocked = () => recorded.progress.filter((p) => p.message.endsWith('; waiting for it'));
    await waitFor('all 3 pods held back by the budget', () => Promise.resolve(blocked().length === 3));
    assert.match(
      blocked()[0]?.message ?? '',
      /blocked: Cannot evict pod as it would violate the pod's disruption budget\. \(429, PodDisruptionBudget held: The disruption budget held needs 3 healthy pods and has 3 currently\); waiting for it$/,
    );
    assert.deepEqual(blocked()[0]?.data?.pdb, ['held']);
    recorded.progress.push({ message: 'test: budget raised' });
    await policy.patchNamespacedPodDisruptionBudget(
      { namespace, name: 'held', body: { spec: { maxUnavailable: 3 } } },
      admin.lib.setHeaderOptions('Content-Type', admin.lib.PatchStrategy.MergePatch),
    );
    const result = await drained;

    const messages = recorded.progress.map((p) => p.message);
    const raised = messages.indexOf('test: budget raised');
    const evicting = messages.flatMap((m, i) => (m.startsWith('evicting ') ? [i] : []));
    assert.equal(evicting.length, 3);
    assert.ok(
      evicting.every((i) => i > raised),
      'nothing was sent before the budget allowed it',
    );
    assert.deepEqual(refusedOrBlind(recorded.progress), [], 'no eviction refused, none sent without word');
    assert.equal((result?.outputs.evictedPods as string[]).length, 3);
    // The next test spreads its pods over every node.
    await runAction(uncordon, { nodes: [node], all: true });
  });

  test('a binding budget: each eviction waits for the replacements before it, and none is refused', async () => {
    const namespace = await testNamespace('t-drain-rounds');
    const zone = 'eu-west-b';
    // Two pods on each of the 12 nodes, under a budget of one: the zone's 4 pods go one by one,
    // each after the replacement of the one before is Ready (1 s to start).
    const body = deployment('web', 24, {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'DoNotSchedule',
          nodeTaintsPolicy: 'Honor',
          labelSelector: { matchLabels: { app: 'web' } },
        },
      ],
    });
    if (body.spec?.template.metadata) {
      body.spec.template.metadata.labels = { app: 'web', 'drill-test': namespace };
      body.spec.template.metadata.annotations = { 'sandbox.drill.dev/start-delay': '1s' };
    }
    await apps.createNamespacedDeployment({ namespace, body });
    await policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: 'web' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } },
    });
    await waitFor('24 ready pods under an observed budget', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace, name: 'web' });
      return pdb.status?.currentHealthy === 24 && pdb.status.disruptionsAllowed === 1;
    });
    const before = (await core.listNamespacedPod({ namespace })).items.filter((p) =>
      p.spec?.nodeName?.startsWith(`${zone}-`),
    );
    const result = await runAction(drain, {
      selector: `topology.kubernetes.io/zone=${zone}`,
      podSelector: `drill-test=${namespace}`,
      parallelism: 2,
      waitForReplacements: true,
    });
    const progress = result.recorded.progress;
    assert.equal(
      progress.filter((p) => p.message.startsWith('evicting ')).length,
      before.length,
      'each pod on the zone evicted once',
    );
    assert.equal(before.length, 4);
    assert.ok(
      progress.some((p) => p.message.endsWith('; waiting for it')),
      'a later eviction waited for the budget',
    );
    assert.deepEqual(refusedOrBlind(progress), [], 'no eviction refused, none sent without word');
    const pods = (await core.listNamespacedPod({ namespace })).items;
    assert.equal(pods.filter(isPodReady).length, 24);
    assert.ok(pods.every((p) => !p.spec?.nodeName?.startsWith(`${zone}-`)));
  });
});
