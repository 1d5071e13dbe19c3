// The sandbox is only worth testing against if it behaves like Kubernetes: these tests prove the
// API semantics the drills depend on, against the real control plane.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import {
  apiErrorCode,
  apps,
  batch,
  core,
  deployment,
  discovery,
  isPodReady,
  policy,
  restricted,
  testNamespace,
  waitFor,
} from '../support/sandbox.ts';

const regionLabel = 'topology.kubernetes.io/region';

async function readyPods(namespace: string, app: string, want: number): Promise<k8s.V1Pod[]> {
  return waitFor(`${want} ready ${app} pods`, async () => {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
    const ready = pods.items.filter((p) => isPodReady(p) && !p.metadata?.deletionTimestamp);
    return ready.length === want && pods.items.length === want && ready;
  });
}

describe('sandbox control plane', () => {
  test('nodes are Ready across at least three regions', async () => {
    const nodes = await core.listNode();
    const ready = nodes.items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    assert.ok(ready.length >= 12, `expected >= 12 Ready nodes, got ${ready.length}`);
    const regions = new Set(ready.map((n) => n.metadata?.labels?.[regionLabel]));
    assert.ok(regions.size >= 3, `expected >= 3 regions, got ${[...regions].join(', ')}`);
  });

  test('the demo frontend is rolled out with ready endpoints in every region', async () => {
    const frontend = await apps.readNamespacedDeployment({ namespace: 'shop', name: 'frontend' });
    assert.equal(frontend.status?.availableReplicas, 12);
    const slices = await discovery.listNamespacedEndpointSlice({
      namespace: 'shop',
      labelSelector: 'kubernetes.io/service-name=frontend',
    });
    const ready = slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready));
    assert.equal(ready.length, 12);
    const zones = new Set(ready.map((e) => e.zone));
    assert.ok(zones.size >= 3, `ready endpoints span ${zones.size} zones`);
  });

  test("a Deployment's pods become Ready and show up as ready EndpointSlice endpoints", async () => {
    const namespace = await testNamespace('t-endpoints');
    await apps.createNamespacedDeployment({ namespace, body: deployment('web', 3) });
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    const pods = await readyPods(namespace, 'web', 3);
    const podIPs = pods.map((p) => p.status?.podIP).sort();
    const endpointIPs = await waitFor('3 ready endpoints', async () => {
      const slices = await discovery.listNamespacedEndpointSlice({
        namespace,
        labelSelector: 'kubernetes.io/service-name=web',
      });
      const ips = slices.items.flatMap((s) =>
        (s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses),
      );
      return ips.length === 3 && ips.sort();
    });
    assert.deepEqual(endpointIPs, podIPs);
  });

  test('an eviction that would violate a PodDisruptionBudget gets 429 and the pod stays', async () => {
    const namespace = await testNamespace('t-pdb');
    await apps.createNamespacedDeployment({ namespace, body: deployment('guarded', 2) });
    await policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: {
        metadata: { name: 'guarded' },
        spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } },
      },
    });
    const [victim] = await readyPods(namespace, 'guarded', 2);
    const name = victim?.metadata?.name ?? assert.fail('no pod');
    // The disruption controller must have computed the budget before it can refuse anything.
    await waitFor('the PDB to be observed', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace, name: 'guarded' });
      return pdb.status?.observedGeneration === pdb.metadata?.generation && pdb.status?.currentHealthy === 2;
    });
    const evict = core.createNamespacedPodEviction({
      namespace,
      name,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
    });
    await assert.rejects(evict, (error) => apiErrorCode(error) === 429);
    const pod = await core.readNamespacedPod({ namespace, name });
    assert.equal(pod.metadata?.deletionTimestamp, undefined);
    assert.equal(pod.metadata?.uid, victim?.metadata?.uid);
  });

  test('a template change creates a new ReplicaSet revision', async () => {
    const namespace = await testNamespace('t-revision');
    await apps.createNamespacedDeployment({ namespace, body: deployment('api', 2) });
    await readyPods(namespace, 'api', 2);
    await apps.patchNamespacedDeployment(
      {
        namespace,
        name: 'api',
        body: {
          spec: {
            template: { spec: { containers: [{ name: 'app', image: 'registry.test.example/api:2' }] } },
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    const replicaSets = await waitFor('two ReplicaSet revisions', async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=api' });
      return list.items.length === 2 && list.items;
    });
    const revisions = replicaSets.map((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revisions, ['1', '2']);
    await waitFor('the rollout to finish', async () => {
      const d = await apps.readNamespacedDeployment({ namespace, name: 'api' });
      return d.status?.updatedReplicas === 2 && d.status?.availableReplicas === 2 && d.status?.replicas === 2;
    });
  });

  test('the restricted user can read nodes but gets 403 patching one', async () => {
    const restrictedCore = (await restricted()).core;
    const nodes = await restrictedCore.listNode();
    const name = nodes.items[0]?.metadata?.name ?? assert.fail('no nodes');
    const patch = restrictedCore.patchNode(
      { name, body: { spec: { unschedulable: true } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    await assert.rejects(patch, (error) => apiErrorCode(error) === 403);
    const node = await core.readNode({ name });
    assert.notEqual(node.spec?.unschedulable, true);
  });

  test('a Job completes', async () => {
    const namespace = await testNamespace('t-job');
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'restore' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'restore', image: 'registry.test.example/restore:1' }],
            },
          },
        },
      },
    });
    const job = await waitFor('the Job to complete', async () => {
      const j = await batch.readNamespacedJob({ namespace, name: 'restore' });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') && j;
    });
    assert.equal(job.status?.succeeded, 1);
  });

  test("a cordoned node's deleted pods are rescheduled onto other nodes", async () => {
    const namespace = await testNamespace('t-reschedule');
    await apps.createNamespacedDeployment({ namespace, body: deployment('moving', 4) });
    const pods = await readyPods(namespace, 'moving', 4);
    const nodeName = pods[0]?.spec?.nodeName ?? assert.fail('pod not bound');
    const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
    await core.patchNode({ name: nodeName, body: { spec: { unschedulable: true } } }, strategic);
    try {
      const onNode = pods.filter((p) => p.spec?.nodeName === nodeName);
      await Promise.all(onNode.map((p) => core.deleteNamespacedPod({ namespace, name: p.metadata?.name ?? '' })));
      const replaced = await waitFor('replacements Ready elsewhere', async () => {
        const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=moving' });
        const gone = onNode.every((old) => !list.items.some((p) => p.metadata?.uid === old.metadata?.uid));
        const ready = list.items.filter(isPodReady);
        return gone && ready.length === 4 && list.items;
      });
      assert.ok(replaced.every((p) => p.spec?.nodeName !== nodeName));
    } finally {
      await core.patchNode({ name: nodeName, body: { spec: { unschedulable: false } } }, strategic);
    }
  });
});
