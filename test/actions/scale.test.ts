// scale against the sandbox: each test scales its own workload in its own namespace.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import scale from '../../src/actions/workloads/scale.ts';
import { planAction, runAction } from '../support/actions.ts';
import { apps, core, deployment, testNamespace, waitFor } from '../support/sandbox.ts';

/** The pods of an app, terminating ones included. */
async function pods(namespace: string, app: string): Promise<k8s.V1Pod[]> {
  return (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
}

async function availableDeployment(namespace: string, name: string, replicas: number): Promise<void> {
  await apps.createNamespacedDeployment({ namespace, body: deployment(name, replicas) });
  await waitFor(`${replicas} available replicas`, async () => {
    const d = await apps.readNamespacedDeployment({ namespace, name });
    return d.status?.availableReplicas === replicas;
  });
}

/** A Deployment of one replica whose pods run but never become Ready. */
function neverReady(name: string): k8s.V1Deployment {
  const body = deployment(name, 1);
  const template = body.spec?.template as k8s.V1PodTemplateSpec;
  Object.assign(template.metadata ?? {}, { annotations: { 'sandbox.drill.dev/not-ready': 'true' } });
  return body;
}

describe('scale', () => {
  test('scales a Deployment up and waits for the new replicas to be available', async () => {
    const namespace = await testNamespace('t-scale-up');
    await availableDeployment(namespace, 'web', 2);
    const plan = await planAction(scale, { kind: 'Deployment', name: 'web', namespace, replicas: 4 });
    assert.equal(plan.summary, `scale Deployment ${namespace}/web from 2 to 4 replicas`);

    const result = await runAction(scale, { kind: 'Deployment', name: 'web', namespace, replicas: 4 });
    assert.deepEqual(result.outputs, { previousReplicas: 2 });
    // Read right away: the action itself must have waited.
    const after = await apps.readNamespacedDeployment({ namespace, name: 'web' });
    assert.equal(after.spec?.replicas, 4);
    assert.equal(after.status?.availableReplicas, 4);
    assert.equal((await pods(namespace, 'web')).length, 4);
  });

  test('scales a Deployment down and waits until the extra replicas are gone', async () => {
    const namespace = await testNamespace('t-scale-down');
    await availableDeployment(namespace, 'web', 4);
    const result = await runAction(scale, { kind: 'Deployment', name: 'web', namespace, replicas: 1 });
    assert.deepEqual(result.outputs, { previousReplicas: 4 });
    const after = await apps.readNamespacedDeployment({ namespace, name: 'web' });
    assert.equal(after.status?.replicas, 1);
    assert.equal(after.status?.availableReplicas, 1);
    assert.equal((await pods(namespace, 'web')).length, 1, 'no pod is still terminating');
  });

  test('scales a StatefulSet and a ReplicaSet', async () => {
    const namespace = await testNamespace('t-scale-kinds');
    const template = deployment('db', 1).spec?.template as k8s.V1PodTemplateSpec;
    await apps.createNamespacedStatefulSet({
      namespace,
      body: { metadata: { name: 'db' }, spec: { replicas: 1, selector: { matchLabels: { app: 'db' } }, template } },
    });
    const db = await runAction(scale, { kind: 'StatefulSet', name: 'db', namespace, replicas: 3 });
    assert.deepEqual(db.outputs, { previousReplicas: 1 });
    const statefulSet = await apps.readNamespacedStatefulSet({ namespace, name: 'db' });
    assert.equal(statefulSet.status?.readyReplicas, 3);

    const cacheTemplate = deployment('cache', 1).spec?.template as k8s.V1PodTemplateSpec;
    await apps.createNamespacedReplicaSet({
      namespace,
      body: {
        metadata: { name: 'cache' },
        spec: { replicas: 3, selector: { matchLabels: { app: 'cache' } }, template: cacheTemplate },
      },
    });
    const cache = await runAction(scale, { kind: 'ReplicaSet', name: 'cache', namespace, replicas: 0 });
    assert.deepEqual(cache.outputs, { previousReplicas: 3 });
    assert.equal((await pods(namespace, 'cache')).length, 0, 'no pod is still terminating');
  });

  test('times out, saying how far it got, when the new pods never become Ready', async () => {
    const namespace = await testNamespace('t-scale-timeout');
    await apps.createNamespacedDeployment({ namespace, body: neverReady('web') });
    await assert.rejects(runAction(scale, { kind: 'Deployment', name: 'web', namespace, replicas: 3, timeout: '1s' }), {
      message: `Deployment ${namespace}/web did not reach 3 available replicas within 1s: 0 of 3 replicas available`,
    });
  });

  test('does not wait with wait: false', async () => {
    const namespace = await testNamespace('t-scale-nowait');
    // Its pods never become Ready: a wait could only end with the step's timeout.
    await apps.createNamespacedDeployment({ namespace, body: neverReady('web') });
    const run = { kind: 'Deployment', name: 'web', namespace, replicas: 5, wait: false };
    const result = await runAction(scale, run, { timeoutMs: 60_000 });
    assert.deepEqual(result.outputs, { previousReplicas: 1 });
    const after = await apps.readNamespacedDeployment({ namespace, name: 'web' });
    assert.equal(after.spec?.replicas, 5);
  });

  test('fails, naming the workload, when it does not exist', async () => {
    const namespace = await testNamespace('t-scale-missing');
    await assert.rejects(runAction(scale, { kind: 'Deployment', name: 'nope', namespace, replicas: 1 }), {
      message: `Deployment ${namespace}/nope: deployments.apps "nope" not found`,
    });
  });

  test('lists the permissions it needs', () => {
    const permissions = scale.permissions?.({ kind: 'ReplicaSet', name: 'cache', replicas: 2 }, 'team');
    assert.deepEqual(
      permissions?.map((p) => `${p.verb} ${p.resource}${p.subresource ? `/${p.subresource}` : ''} ${p.name}`),
      [
        'get replicasets/scale cache',
        'patch replicasets/scale cache',
        'list replicasets cache',
        'watch replicasets cache',
      ],
    );
  });
});
