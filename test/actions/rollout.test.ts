// rollout.undo, rollout.status and rollout.restart against the sandbox: every test builds its own
// workloads and their revisions in its own namespace.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import restart from '../../src/actions/rollout/restart.ts';
import status from '../../src/actions/rollout/status.ts';
import undo from '../../src/actions/rollout/undo.ts';
import { planAction, runAction } from '../support/actions.ts';
import { apps, core, deployment, isPodReady, testNamespace, waitFor } from '../support/sandbox.ts';

const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
const image = (name: string, version: string): string => `registry.test.example/${name}:${version}`;
const NOT_READY = { 'sandbox.drill.dev/not-ready': 'true' };

/** The template patch of a release: a new image, and its change-cause like `kubectl annotate`. */
function release(name: string, version: string, podAnnotations: Record<string, string> = {}): object {
  return {
    metadata: { annotations: { 'kubernetes.io/change-cause': `release ${version}` } },
    spec: {
      template: {
        metadata: { annotations: podAnnotations },
        spec: { containers: [{ name: 'app', image: image(name, version) }] },
      },
    },
  };
}

function rolledOut(d: k8s.V1Deployment | k8s.V1StatefulSet): boolean {
  const replicas = d.spec?.replicas ?? 1;
  return (
    (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    d.status?.updatedReplicas === replicas &&
    d.status.replicas === replicas &&
    d.status.availableReplicas === replicas
  );
}

/** Creates a Deployment of 2 replicas running version `version`, without waiting for it. */
async function createDeployment(
  namespace: string,
  name: string,
  version: string,
  spec: Partial<k8s.V1DeploymentSpec> = {},
): Promise<void> {
  const body = deployment(name, 2);
  Object.assign(body.metadata ?? {}, { annotations: { 'kubernetes.io/change-cause': `release ${version}` } });
  Object.assign(body.spec ?? {}, spec);
  const container = body.spec?.template.spec?.containers[0];
  if (container) container.image = image(name, version);
  await apps.createNamespacedDeployment({ namespace, body });
}

/** A Deployment with one fully rolled-out revision per version, the last one current. */
async function deploymentWithReleases(
  namespace: string,
  name: string,
  versions: string[],
  spec: Partial<k8s.V1DeploymentSpec> = {},
): Promise<void> {
  const [first = '1', ...later] = versions;
  await createDeployment(namespace, name, first, spec);
  await waitForRollout(namespace, name);
  for (const version of later) {
    await apps.patchNamespacedDeployment({ namespace, name, body: release(name, version) }, strategic);
    await waitForRollout(namespace, name);
  }
}

function waitForRollout(namespace: string, name: string): Promise<k8s.V1Deployment> {
  return waitFor(`${namespace}/${name} to roll out`, async () => {
    const d = await apps.readNamespacedDeployment({ namespace, name });
    return rolledOut(d) && d;
  });
}

async function readDeployment(namespace: string, name: string): Promise<k8s.V1Deployment> {
  return apps.readNamespacedDeployment({ namespace, name });
}

const imageOf = (workload: { spec?: { template?: k8s.V1PodTemplateSpec } }): string | undefined =>
  workload.spec?.template?.spec?.containers[0]?.image;

describe('rollout.undo', () => {
  test('rolls a Deployment back to the previous revision and waits until it is rolled out', async () => {
    const namespace = await testNamespace('t-undo-prev');
    await deploymentWithReleases(namespace, 'shop', ['1.0', '1.1']);

    const plan = await planAction(undo, { kind: 'Deployment', name: 'shop', namespace });
    assert.equal(
      plan.summary,
      `roll back Deployment ${namespace}/shop from revision 2 to revision 1 (image ${image('shop', '1.0')}, "release 1.0")`,
    );

    const result = await runAction(undo, { kind: 'Deployment', name: 'shop', namespace });
    assert.deepEqual(result.outputs, { fromRevision: 2, toRevision: 1 });
    // Read right away: the action itself must have waited for the rollout.
    const after = await readDeployment(namespace, 'shop');
    assert.equal(imageOf(after), image('shop', '1.0'));
    assert.ok(rolledOut(after), `not rolled out: ${JSON.stringify(after.status)}`);
    assert.equal(after.metadata?.annotations?.['kubernetes.io/change-cause'], 'release 1.0');
    assert.equal(after.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(after.spec?.template.metadata?.labels?.['pod-template-hash'], undefined);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=shop' });
    const running = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
    assert.deepEqual(
      running.map((p) => [p.spec?.containers[0]?.image, isPodReady(p)]),
      [
        [image('shop', '1.0'), true],
        [image('shop', '1.0'), true],
      ],
    );
    assert.ok(result.recorded.progress.some((p) => p.message.includes('rolling back')));
  });

  test('rolls a Deployment back to a given revision', async () => {
    const namespace = await testNamespace('t-undo-given');
    await deploymentWithReleases(namespace, 'shop', ['1.0', '1.1', '1.2']);
    const result = await runAction(undo, { kind: 'Deployment', name: 'shop', namespace, toRevision: 1 });
    assert.deepEqual(result.outputs, { fromRevision: 3, toRevision: 1 });
    const after = await readDeployment(namespace, 'shop');
    assert.equal(imageOf(after), image('shop', '1.0'));
    assert.ok(rolledOut(after), `not rolled out: ${JSON.stringify(after.status)}`);
  });

  test('rolls back a release stuck past its progress deadline', async () => {
    const namespace = await testNamespace('t-undo-stuck');
    await deploymentWithReleases(namespace, 'shop', ['1.0'], { progressDeadlineSeconds: 2 });
    await apps.patchNamespacedDeployment(
      { namespace, name: 'shop', body: release('shop', '1.1', NOT_READY) },
      strategic,
    );
    await waitFor('the release to exceed its deadline', async () => {
      const d = await readDeployment(namespace, 'shop');
      return d.status?.conditions?.some((c) => c.reason === 'ProgressDeadlineExceeded');
    });
    const result = await runAction(undo, { kind: 'Deployment', name: 'shop', namespace, timeout: '30s' });
    assert.deepEqual(result.outputs, { fromRevision: 2, toRevision: 1 });
    const after = await readDeployment(namespace, 'shop');
    assert.equal(imageOf(after), image('shop', '1.0'));
    assert.ok(rolledOut(after), `not rolled out: ${JSON.stringify(after.status)}`);
  });

  test('fails, naming the workload, when there is no revision to go back to', async () => {
    const namespace = await testNamespace('t-undo-none');
    await deploymentWithReleases(namespace, 'shop', ['1.0']);
    await assert.rejects(runAction(undo, { kind: 'Deployment', name: 'shop', namespace }), {
      message: `Deployment ${namespace}/shop has no previous revision to roll back to (revision 1 is its only one)`,
    });
    await assert.rejects(runAction(undo, { kind: 'Deployment', name: 'shop', namespace, toRevision: 7 }), {
      message: `Deployment ${namespace}/shop has no revision 7 (its revisions: 1)`,
    });
    const plan = await planAction(undo, { kind: 'Deployment', name: 'shop', namespace });
    assert.match(plan.summary, /^cannot roll back: .* has no previous revision/);
    await assert.rejects(runAction(undo, { kind: 'Deployment', name: 'missing', namespace }), {
      message: `Deployment ${namespace}/missing: deployments.apps "missing" not found`,
    });
  });

  test('refuses a paused Deployment and leaves it alone', async () => {
    const namespace = await testNamespace('t-undo-paused');
    await deploymentWithReleases(namespace, 'shop', ['1.0', '1.1']);
    await apps.patchNamespacedDeployment({ namespace, name: 'shop', body: { spec: { paused: true } } }, strategic);
    const before = await readDeployment(namespace, 'shop');
    await assert.rejects(runAction(undo, { kind: 'Deployment', name: 'shop', namespace }), {
      message: new RegExp(`^Deployment ${namespace}/shop is paused: cannot roll back it; resume it first`),
    });
    const after = await readDeployment(namespace, 'shop');
    assert.equal(after.metadata?.generation, before.metadata?.generation);
    assert.equal(imageOf(after), image('shop', '1.1'));
  });

  test('does nothing when the Deployment is already at the revision', async () => {
    const namespace = await testNamespace('t-undo-noop');
    await deploymentWithReleases(namespace, 'shop', ['1.0', '1.1']);
    const before = await readDeployment(namespace, 'shop');
    const plan = await planAction(undo, { kind: 'Deployment', name: 'shop', namespace, toRevision: 2 });
    assert.match(plan.summary, /^nothing to roll back: .* is already at revision 2 /);
    const result = await runAction(undo, { kind: 'Deployment', name: 'shop', namespace, toRevision: 2 });
    assert.deepEqual(result.outputs, { fromRevision: 2, toRevision: 2 });
    assert.ok(result.recorded.progress.some((p) => p.message.includes('is already at revision 2')));
    const after = await readDeployment(namespace, 'shop');
    assert.equal(after.metadata?.generation, before.metadata?.generation);
    assert.equal(imageOf(after), image('shop', '1.1'));
  });

  test('rolls a StatefulSet back through its ControllerRevisions', async () => {
    const namespace = await testNamespace('t-undo-sts');
    const template = deployment('db', 2).spec?.template as k8s.V1PodTemplateSpec;
    await apps.createNamespacedStatefulSet({
      namespace,
      body: { metadata: { name: 'db' }, spec: { replicas: 2, selector: { matchLabels: { app: 'db' } }, template } },
    });
    const statefulSetRolledOut = () =>
      waitFor('the StatefulSet to roll out', async () => {
        const s = await apps.readNamespacedStatefulSet({ namespace, name: 'db' });
        return rolledOut(s) && s.status?.currentRevision === s.status?.updateRevision && s;
      });
    await statefulSetRolledOut();
    await apps.patchNamespacedStatefulSet({ namespace, name: 'db', body: release('db', '2') }, strategic);
    await statefulSetRolledOut();

    const result = await runAction(undo, { kind: 'StatefulSet', name: 'db', namespace });
    assert.deepEqual(result.outputs, { fromRevision: 2, toRevision: 1 });
    const after = await apps.readNamespacedStatefulSet({ namespace, name: 'db' });
    assert.equal(imageOf(after), image('db', '1'));
    assert.ok(rolledOut(after), `not rolled out: ${JSON.stringify(after.status)}`);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=db' });
    assert.deepEqual(
      pods.items.map((p) => p.spec?.containers[0]?.image),
      [image('db', '1'), image('db', '1')],
    );

    const again = await runAction(undo, { kind: 'StatefulSet', name: 'db', namespace, toRevision: 3 });
    assert.deepEqual(again.outputs, { fromRevision: 3, toRevision: 3 }, 'the controller renumbered revision 1 as 3');
  });

  test('rolls a DaemonSet back through its ControllerRevisions', async () => {
    const namespace = await testNamespace('t-undo-ds');
    const template = deployment('agent', 1).spec?.template as k8s.V1PodTemplateSpec;
    await apps.createNamespacedDaemonSet({
      namespace,
      body: {
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template,
          // Every node at once: one node at a time takes a second per node.
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%' } },
        },
      },
    });
    const daemonSetRolledOut = () =>
      waitFor('the DaemonSet to roll out', async () => {
        const d = await apps.readNamespacedDaemonSet({ namespace, name: 'agent' });
        const s = d.status;
        return (
          (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
          s?.desiredNumberScheduled !== 0 &&
          s?.updatedNumberScheduled === s?.desiredNumberScheduled &&
          s?.numberAvailable === s?.desiredNumberScheduled
        );
      });
    await daemonSetRolledOut();
    await apps.patchNamespacedDaemonSet({ namespace, name: 'agent', body: release('agent', '2') }, strategic);
    await daemonSetRolledOut();

    const result = await runAction(undo, { kind: 'DaemonSet', name: 'agent', namespace });
    assert.deepEqual(result.outputs, { fromRevision: 2, toRevision: 1 });
    const after = await apps.readNamespacedDaemonSet({ namespace, name: 'agent' });
    assert.equal(imageOf(after), image('agent', '1'));
    assert.equal(after.status?.observedGeneration, after.metadata?.generation);
    assert.equal(after.status?.numberAvailable, after.status?.desiredNumberScheduled);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=agent' });
    const running = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
    assert.equal(running.length, after.status?.desiredNumberScheduled);
    assert.ok(running.every((p) => p.spec?.containers[0]?.image === image('agent', '1') && isPodReady(p)));
  });

  test('lists the permissions it needs', () => {
    const permissions = undo.permissions?.({ kind: 'StatefulSet', name: 'db' }, 'team');
    const verbs = permissions?.map((p) => `${p.verb} ${p.resource}${p.name ? `/${p.name}` : ''} in ${p.namespace}`);
    assert.deepEqual(verbs, [
      'get statefulsets/db in team',
      'patch statefulsets/db in team',
      'list controllerrevisions in team',
      'list statefulsets/db in team',
      'watch statefulsets/db in team',
    ]);
    const noWait = undo.permissions?.({ kind: 'Deployment', name: 'web', namespace: 'shop', wait: false }, 'team');
    assert.deepEqual(
      noWait?.map((p) => `${p.verb} ${p.group}/${p.resource} in ${p.namespace}`),
      ['get apps/deployments in shop', 'patch apps/deployments in shop', 'list apps/replicasets in shop'],
    );
  });
});

describe('rollout.status', () => {
  test('returns the revision once the rollout is complete', async () => {
    const namespace = await testNamespace('t-status');
    await deploymentWithReleases(namespace, 'shop', ['1.0', '1.1']);
    const result = await runAction(status, { kind: 'Deployment', name: 'shop', namespace });
    assert.deepEqual(result.outputs, { revision: 2 });
    assert.ok(
      result.recorded.progress.some((p) => p.message === `Deployment ${namespace}/shop: successfully rolled out`),
    );
  });

  test('times out, saying how far the rollout got, when pods never become Ready', async () => {
    const namespace = await testNamespace('t-status-timeout');
    await deploymentWithReleases(namespace, 'shop', ['1.0']);
    await apps.patchNamespacedDeployment(
      { namespace, name: 'shop', body: release('shop', '1.1', NOT_READY) },
      strategic,
    );
    const started = performance.now();
    await assert.rejects(runAction(status, { kind: 'Deployment', name: 'shop', namespace, timeout: '2s' }), {
      message: new RegExp(`^Deployment ${namespace}/shop did not finish rolling out within 2s: .*replicas`),
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 2000 && elapsed < 4000, `took ${Math.round(elapsed)} ms`);
  });

  test("falls back to the step's timeout", async () => {
    const namespace = await testNamespace('t-status-step-timeout');
    await createDeployment(namespace, 'shop', '1', { template: notReadyTemplate('shop') });
    await assert.rejects(runAction(status, { kind: 'Deployment', name: 'shop', namespace }, { timeoutMs: 1000 }), {
      message: /did not finish rolling out within 1s/,
    });
  });

  test('fails fast when the Deployment exceeds its progress deadline', async () => {
    const namespace = await testNamespace('t-status-deadline');
    await deploymentWithReleases(namespace, 'shop', ['1.0'], { progressDeadlineSeconds: 1 });
    await apps.patchNamespacedDeployment(
      { namespace, name: 'shop', body: release('shop', '1.1', NOT_READY) },
      strategic,
    );
    const started = performance.now();
    await assert.rejects(runAction(status, { kind: 'Deployment', name: 'shop', namespace, timeout: '60s' }), {
      message: new RegExp(`^Deployment ${namespace}/shop: exceeded its progress deadline`),
    });
    assert.ok(performance.now() - started < 20_000);
  });

  test('stops waiting promptly when its signal is aborted', async () => {
    const namespace = await testNamespace('t-status-abort');
    await createDeployment(namespace, 'shop', '1', { template: notReadyTemplate('shop') });
    const controller = new AbortController();
    const waiting = runAction(status, { kind: 'Deployment', name: 'shop', namespace }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const aborted = performance.now();
    controller.abort(new Error('interrupted by the test'));
    await assert.rejects(waiting, { message: 'interrupted by the test' });
    assert.ok(performance.now() - aborted < 2000, `took ${Math.round(performance.now() - aborted)} ms to stop`);
  });

  test('plan shows where the rollout is', async () => {
    const namespace = await testNamespace('t-status-plan');
    await deploymentWithReleases(namespace, 'shop', ['1.0']);
    const plan = await planAction(status, { kind: 'Deployment', name: 'shop', namespace });
    assert.equal(plan.summary, `wait for the rollout of Deployment ${namespace}/shop (now: successfully rolled out)`);
  });
});

describe('rollout.restart', () => {
  test('rolls out a new ReplicaSet with the restartedAt annotation', async () => {
    const namespace = await testNamespace('t-restart');
    await deploymentWithReleases(namespace, 'shop', ['1.0']);
    const before = await core.listNamespacedPod({ namespace, labelSelector: 'app=shop' });
    const started = Date.now();
    const result = await runAction(restart, { kind: 'Deployment', name: 'shop', namespace });
    assert.deepEqual(result.outputs, { revision: 2 });
    const after = await readDeployment(namespace, 'shop');
    assert.ok(rolledOut(after), `not rolled out: ${JSON.stringify(after.status)}`);
    const restartedAt = after.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? '';
    assert.match(restartedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(Math.abs(Date.parse(restartedAt) - started) < 60_000);
    const replicaSets = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=shop' });
    assert.equal(replicaSets.items.length, 2);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=shop' });
    const oldNames = new Set(before.items.map((p) => p.metadata?.name));
    const current = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
    assert.equal(current.length, 2);
    assert.ok(current.every((p) => !oldNames.has(p.metadata?.name)));
  });

  test('restarts a StatefulSet and returns the revision of its ControllerRevision', async () => {
    const namespace = await testNamespace('t-restart-sts');
    const template = deployment('db', 2).spec?.template as k8s.V1PodTemplateSpec;
    await apps.createNamespacedStatefulSet({
      namespace,
      body: { metadata: { name: 'db' }, spec: { replicas: 2, selector: { matchLabels: { app: 'db' } }, template } },
    });
    await waitFor('the StatefulSet to roll out', async () =>
      rolledOut(await apps.readNamespacedStatefulSet({ namespace, name: 'db' })),
    );
    const before = await core.listNamespacedPod({ namespace, labelSelector: 'app=db' });
    const result = await runAction(restart, { kind: 'StatefulSet', name: 'db', namespace });
    assert.deepEqual(result.outputs, { revision: 2 });
    const after = await apps.readNamespacedStatefulSet({ namespace, name: 'db' });
    assert.ok(rolledOut(after), `not rolled out: ${JSON.stringify(after.status)}`);
    assert.equal(after.status?.currentRevision, after.status?.updateRevision);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=db' });
    const oldUids = new Set(before.items.map((p) => p.metadata?.uid));
    assert.equal(pods.items.length, 2);
    assert.ok(pods.items.every((p) => !oldUids.has(p.metadata?.uid) && isPodReady(p)));
  });

  test('refuses a paused Deployment', async () => {
    const namespace = await testNamespace('t-restart-paused');
    await deploymentWithReleases(namespace, 'shop', ['1.0']);
    await apps.patchNamespacedDeployment({ namespace, name: 'shop', body: { spec: { paused: true } } }, strategic);
    await assert.rejects(runAction(restart, { kind: 'Deployment', name: 'shop', namespace }), {
      message: /is paused: cannot restart it/,
    });
    const after = await readDeployment(namespace, 'shop');
    assert.equal(after.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'], undefined);
  });
});

function notReadyTemplate(name: string): k8s.V1PodTemplateSpec {
  const template = deployment(name, 2).spec?.template as k8s.V1PodTemplateSpec;
  Object.assign(template.metadata ?? {}, { annotations: NOT_READY });
  return template;
}
