// nodes.cordon, nodes.uncordon and nodes.drain against the sandbox's real control plane. Each drain
// test limits itself to its own pods with podSelector, and every test uncordons what it cordoned.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import cordon from '../../src/actions/nodes/cordon.ts';
import drain from '../../src/actions/nodes/drain.ts';
import uncordon from '../../src/actions/nodes/uncordon.ts';
import type { Change } from '../../src/kube/changes.ts';
import { connect } from '../../src/kube/cluster.ts';
import { planNodes, podKey } from '../../src/kube/drain.ts';
import { planAction, runAction } from '../support/actions.ts';
import { adminKubeconfig } from '../support/paths.ts';
import { admin, apps, core, deployment, isPodReady, policy, testNamespace, waitFor } from '../support/sandbox.ts';

const zone = 'topology.kubernetes.io/zone';

async function unschedulable(selector: string): Promise<boolean[]> {
  const nodes = await core.listNode({ labelSelector: selector });
  return nodes.items.map((n) => n.spec?.unschedulable ?? false);
}

async function uncordonAll(): Promise<void> {
  for (const node of (await core.listNode()).items) {
    if (node.spec?.unschedulable) await runAction(uncordon, { nodes: [node.metadata?.name], all: true });
  }
}

async function podsOf(namespace: string, app: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
}

/** One pod per node: a spread that puts exactly one replica on each of the 12 nodes. */
function onePerNode(name: string, namespace: string) {
  const body = deployment(name, 12, {
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        nodeTaintsPolicy: 'Honor',
        labelSelector: { matchLabels: { app: name } },
      },
    ],
  });
  const labels = { app: name, 'drill-test': namespace };
  // Replacements take a second to start, so a budget of one really does hold back a second eviction.
  if (body.spec?.template.metadata) {
    body.spec.template.metadata.labels = labels;
    body.spec.template.metadata.annotations = { 'sandbox.drill.dev/start-delay': '1s' };
  }
  return body;
}

describe('nodes.cordon and nodes.uncordon', () => {
  after(uncordonAll);

  test('cordon a region by selector, idempotently, then uncordon it', async () => {
    const selector = 'topology.kubernetes.io/region=ap-south';
    const run: Change[] = [];
    const first = await runAction(cordon, { selector }, { run });
    assert.equal((first.outputs.nodes as string[]).length, 4);
    assert.deepEqual(await unschedulable(selector), [true, true, true, true]);
    assert.deepEqual(await unschedulable('topology.kubernetes.io/region=eu-west'), [false, false, false, false]);
    // Each cordon was journaled before it was made: the node, its uid, the field before and after.
    assert.equal(first.recorded.changes.length, 4);
    for (const change of first.recorded.changes) {
      assert.equal(change.type, 'fields');
      if (change.type !== 'fields') continue;
      assert.equal(change.object.kind, 'Node');
      assert.ok(change.object.uid);
      assert.deepEqual(change.fields, [{ path: '/spec/unschedulable', before: null, after: true }]);
    }
    const again = await runAction(cordon, { selector });
    assert.equal(again.recorded.progress.filter((p) => p.message.startsWith('already cordoned')).length, 4);
    assert.deepEqual(again.recorded.changes, [], 'nothing changed, nothing recorded');
    const undone = await runAction(uncordon, { selector }, { run });
    assert.deepEqual(await unschedulable(selector), [false, false, false, false]);
    assert.equal(undone.recorded.changes.length, 4);
  });

  test('uncordon leaves a node that was cordoned before the run cordoned, unless all: true', async () => {
    const selector = 'topology.kubernetes.io/zone=us-east-b';
    const [before, other] = (await core.listNode({ labelSelector: selector })).items.map((n) => n.metadata?.name ?? '');
    await runAction(cordon, { nodes: [before] });
    const run: Change[] = [];
    const cordoned = await runAction(cordon, { selector }, { run });
    assert.deepEqual(cordoned.outputs.changed, [other]);
    const uncordoned = await runAction(uncordon, { selector }, { run });
    assert.deepEqual(uncordoned.outputs.changed, [other]);
    assert.ok(uncordoned.recorded.progress.some((p) => p.message.startsWith(`left ${before} cordoned`)));
    const after = await core.listNode({ labelSelector: selector });
    assert.deepEqual(
      after.items.map((n) => [n.metadata?.name, n.spec?.unschedulable ?? false]),
      [
        [before, true],
        [other, false],
      ],
    );
    await runAction(uncordon, { selector, all: true });
    assert.deepEqual(await unschedulable(selector), [false, false]);
  });

  test('a selector matching most of the cluster is refused unless allowAll', async () => {
    await assert.rejects(
      runAction(cordon, { selector: 'kubernetes.io/os=linux' }),
      /refusing: .*matches 12 of 12 nodes/,
    );
    assert.ok(
      (await unschedulable('kubernetes.io/os=linux')).every((u) => !u),
      'nothing was cordoned',
    );
    const run: Change[] = [];
    const wide = await runAction(cordon, { selector: 'kubernetes.io/os=linux', allowAll: true }, { run });
    assert.equal((wide.outputs.nodes as string[]).length, 12);
    await runAction(uncordon, { selector: 'kubernetes.io/os=linux', allowAll: true }, { run });
  });

  test('a selector matching no node is an error', async () => {
    await assert.rejects(runAction(cordon, { selector: 'topology.kubernetes.io/region=mars' }), /matches no nodes/);
  });

  test('lookups of a kind under way at once (the cordons of many nodes) share one discovery request', async () => {
    const cluster = await connect({ kubeconfig: adminKubeconfig });
    const discoveries: string[] = [];
    const count = (message: unknown) => {
      const { request } = message as { request: { method: string; path: string } };
      if (request.path === '/api/v1') discoveries.push(request.method);
    };
    subscribe('undici:request:create', count);
    try {
      const found = await Promise.all(Array.from({ length: 6 }, () => cluster.objects.resourceOf('v1', 'Node')));
      assert.deepEqual(
        found.map((resource) => resource?.name),
        Array.from({ length: 6 }, () => 'nodes'),
      );
      assert.deepEqual(discoveries, ['GET'], 'one request for all six');
      assert.equal((await cluster.objects.resourceOf('v1', 'Pod'))?.name, 'pods');
      assert.deepEqual(discoveries, ['GET'], "then the library's cache answers");
    } finally {
      unsubscribe('undici:request:create', count);
    }
  });

  test('plan says what would change without changing it', async () => {
    const plan = await planAction(cordon, { selector: `${zone}=eu-west-a` });
    assert.match(plan.summary, /^cordon 2 of 2 nodes: eu-west-a-1, eu-west-a-2$/);
    assert.deepEqual(await unschedulable(`${zone}=eu-west-a`), [false, false]);
  });
});

describe('nodes.drain', () => {
  after(uncordonAll);

  test('drains a zone in parallel through evictions, honouring a PodDisruptionBudget', async () => {
    const namespace = await testNamespace('t-drain');
    await apps.createNamespacedDeployment({ namespace, body: onePerNode('web', namespace) });
    await policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: 'web' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } },
    });
    await waitFor('12 ready pods and an observed budget', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace, name: 'web' });
      return pdb.status?.currentHealthy === 12 && pdb.status.disruptionsAllowed === 1;
    });
    const before = await podsOf(namespace, 'web');
    const result = await runAction(drain, {
      selector: `${zone}=us-east-b`,
      podSelector: `drill-test=${namespace}`,
      parallelism: 2,
      waitForReplacements: true,
    });

    assert.deepEqual((result.outputs.nodes as string[]).sort(), ['us-east-b-1', 'us-east-b-2']);
    const evicted = before.filter((p) => p.spec?.nodeName?.startsWith('us-east-b-'));
    assert.deepEqual(
      (result.outputs.evictedPods as string[]).sort(),
      evicted.map((p) => `${namespace}/${p.metadata?.name}`).sort(),
    );
    assert.deepEqual(Object.keys(result.outputs.perNodeMs as object).sort(), ['us-east-b-1', 'us-east-b-2']);
    // Two evictions at once against a budget of one: the second had to wait, and said which budget.
    const blocked = result.recorded.progress.filter((p) => p.message.includes('blocked'));
    assert.ok(blocked.length >= 1, 'an eviction was refused by the budget');
    assert.deepEqual(blocked[0]?.data?.pdb, ['web']);
    const after = await podsOf(namespace, 'web');
    assert.equal(after.filter(isPodReady).length, 12, 'replacements are Ready');
    assert.ok(
      after.every((p) => !p.spec?.nodeName?.startsWith('us-east-b-')),
      'no pod left on the drained zone',
    );
    // The sandbox's DaemonSet pods stay: drain ignores them by default.
    const agents = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=log-agent' });
    assert.equal(agents.items.filter((p) => p.spec?.nodeName?.startsWith('us-east-b-')).length, 2);
  });

  test('a budget that never allows the eviction fails the drain at its timeout, naming the budget', async () => {
    const namespace = await testNamespace('t-drain-pdb');
    const node = 'eu-west-b-1';
    const body = deployment('pinned', 2, { nodeSelector: { 'kubernetes.io/hostname': node } });
    await apps.createNamespacedDeployment({ namespace, body });
    await policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: {
        metadata: { name: 'pinned-pdb' },
        spec: { minAvailable: 2, selector: { matchLabels: { app: 'pinned' } } },
      },
    });
    await waitFor('an observed budget', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace, name: 'pinned-pdb' });
      return pdb.status?.currentHealthy === 2;
    });
    await assert.rejects(
      runAction(drain, { nodes: [node], podSelector: 'app=pinned', timeout: '2s' }),
      /draining eu-west-b-1 timed out after 2000 ms/,
    );
    const pods = await podsOf(namespace, 'pinned');
    assert.equal(pods.filter((p) => !p.metadata?.deletionTimestamp).length, 2, 'both pods are still there');
    const plan = await planAction(drain, { nodes: [node], podSelector: 'app=pinned' });
    assert.ok(plan.warnings?.some((w) => w.includes('pinned-pdb') && w.includes('allows 0 disruptions')));
  });

  test('pods of a namespace being deleted do not fail the drain', async () => {
    const namespace = `t-drain-gone-${Date.now().toString(36)}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await waitFor('the default ServiceAccount', async () =>
      (await core.listNamespacedServiceAccount({ namespace })).items.some((a) => a.metadata?.name === 'default'),
    );
    const node = 'ap-south-b-2';
    const body = deployment('leaving', 3, { nodeName: node });
    if (body.spec?.template.metadata) {
      body.spec.template.metadata.labels = { app: 'leaving', 'drill-test': namespace };
      body.spec.template.metadata.annotations = { 'sandbox.drill.dev/termination-delay': '2s' };
    }
    await apps.createNamespacedDeployment({ namespace, body });
    await waitFor('3 ready pods', async () => (await podsOf(namespace, 'leaving')).filter(isPodReady).length === 3);
    await core.deleteNamespace({ name: namespace });
    // Evictions in a terminating namespace are forbidden (NamespaceTerminating); the drain waits for
    // the namespace controller's deletions instead, as kubectl does.
    const result = await runAction(drain, { nodes: [node], podSelector: `drill-test=${namespace}` });
    assert.deepEqual(result.outputs.nodes, [node]);
    assert.equal((await podsOf(namespace, 'leaving')).length, 0);
  });

  test('unmanaged and emptyDir pods stop the drain before anything is evicted, unless allowed', async () => {
    const namespace = await testNamespace('t-drain-filters');
    const node = 'ap-south-a-1';
    const labels = { 'drill-test': namespace };
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'bare', labels },
        spec: { nodeName: node, containers: [{ name: 'app', image: 'registry.test.example/bare:1' }] },
      },
    });
    const scratch = deployment('scratch', 1, {
      nodeName: node,
      volumes: [{ name: 'tmp', emptyDir: {} }],
    });
    if (scratch.spec?.template.metadata) scratch.spec.template.metadata.labels = { app: 'scratch', ...labels };
    await apps.createNamespacedDeployment({ namespace, body: scratch });
    await waitFor('both pods running', async () => {
      const pods = (await core.listNamespacedPod({ namespace })).items;
      return pods.length === 2 && pods.every(isPodReady);
    });
    const podSelector = `drill-test=${namespace}`;
    await assert.rejects(runAction(drain, { nodes: [node], podSelector }), (error: Error) => {
      assert.match(error.message, new RegExp(`cannot delete Pods that declare no controller .*: ${namespace}/bare`));
      assert.match(error.message, /cannot delete Pods with local storage \(set deleteEmptyDirData: true/);
      return true;
    });
    assert.equal(
      (await core.listNamespacedPod({ namespace })).items.filter((p) => !p.metadata?.deletionTimestamp).length,
      2,
    );

    const result = await runAction(drain, { nodes: [node], podSelector, force: true, deleteEmptyDirData: true });
    assert.equal((result.outputs.evictedPods as string[]).length, 2);
    assert.ok(result.recorded.progress.some((p) => p.message.includes('deleting Pods that declare no controller')));
    await assert.rejects(core.readNamespacedPod({ namespace, name: 'bare' }), (e: { code?: number }) => e.code === 404);
  });
});

describe('planning a drain', () => {
  test('of every node, from one list of every pod read as it arrives, finds what a list per node finds', async () => {
    const nodes = (await core.listNode()).items;
    assert.ok(nodes.length > 10, `the sandbox has ${String(nodes.length)} nodes: past the lists per node`);
    const options = { ignoreDaemonSets: true, deleteEmptyDirData: true, force: false };
    const keys = (plans: Awaited<ReturnType<typeof planNodes>>) =>
      [...plans].map(([node, plan]) => [node, plan.evict.map(podKey).sort(), plan.ignored.map(podKey).sort()]);
    // The same nodes in groups small enough for a list each, then all at once.
    const perNode = new Map(
      (
        await Promise.all(
          Array.from({ length: Math.ceil(nodes.length / 4) }, (_, group) => group * 4).map((from) =>
            planNodes(admin, nodes.slice(from, from + 4), options),
          ),
        )
      ).flatMap((plans) => [...plans]),
    );
    const whole = await planNodes(admin, nodes, options);
    assert.deepEqual(keys(whole), keys(perNode));
    assert.ok(
      [...whole.values()].some((plan) => plan.evict.length > 0),
      'some node has pods to evict',
    );
  });
});
