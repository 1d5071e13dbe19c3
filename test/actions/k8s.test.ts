// k8s.apply, k8s.patch, k8s.delete and k8s.wait against the sandbox, each test in its own namespace.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import apply from '../../src/actions/k8s/apply.ts';
import k8sDelete from '../../src/actions/k8s/delete.ts';
import patch from '../../src/actions/k8s/patch.ts';
import wait from '../../src/actions/k8s/wait.ts';
import { planAction, runAction } from '../support/actions.ts';
import { apiErrorCode, apps, batch, core, deployment, testNamespace, waitFor } from '../support/sandbox.ts';

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** A ConfigMap and a Deployment without namespaces, and a Secret whose data must never show. */
const SECRET_VALUE = 'hunter2-do-not-print';
const manifest = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: maintenance
---
apiVersion: v1
kind: Secret
metadata:
  name: credentials
stringData:
  password: ${SECRET_VALUE}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: app
          image: registry.test.example/web:1
`;

async function configMap(namespace: string, name: string, data: Record<string, string>): Promise<void> {
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data } });
}

/** Starts an action and returns how long after `start` it settled, keeping its outcome. */
function timed<T>(promise: Promise<T>): Promise<{ settledAt: number; result?: T; error?: unknown }> {
  return promise.then(
    (result) => ({ settledAt: performance.now(), result }),
    (error: unknown) => ({ settledAt: performance.now(), error }),
  );
}

describe('k8s.apply', () => {
  test('applies several documents, waits for the rollout, and re-applies without changes', async () => {
    const namespace = await testNamespace('t-apply');
    const plan = await planAction(apply, { manifest, namespace, wait: true });
    assert.equal(
      plan.summary,
      `create ConfigMap ${namespace}/settings, create Secret ${namespace}/credentials, create Deployment ${namespace}/web`,
    );
    assert.equal(plan.details?.at(-1), `then wait until Deployment ${namespace}/web is ready`);

    const first = await runAction(apply, { manifest, namespace, wait: true, timeout: '30s' });
    assert.deepEqual(first.outputs.objects, [
      `ConfigMap/${namespace}/settings`,
      `Secret/${namespace}/credentials`,
      `Deployment/${namespace}/web`,
    ]);
    assert.deepEqual(
      first.recorded.progress.filter((p) => p.message.startsWith('created')).map((p) => p.message),
      [
        `created ConfigMap ${namespace}/settings`,
        `created Secret ${namespace}/credentials`,
        `created Deployment ${namespace}/web`,
      ],
    );
    // wait: the action returned only once the Deployment was rolled out.
    const web = await apps.readNamespacedDeployment({ namespace, name: 'web' });
    assert.equal(web.status?.availableReplicas, 2);
    assert.equal(web.status?.updatedReplicas, 2);
    const managers = web.metadata?.managedFields?.map((f) => [f.manager, f.operation]);
    assert.ok(managers?.some(([manager, operation]) => manager === 'kubectl-drill' && operation === 'Apply'));

    const before = await core.readNamespacedConfigMap({ namespace, name: 'settings' });
    const again = await planAction(apply, { manifest, namespace });
    assert.match(again.summary, /^configure ConfigMap .*, configure Secret .*, configure Deployment /);
    const second = await runAction(apply, { manifest, namespace, wait: true });
    assert.deepEqual(second.outputs, first.outputs);
    assert.ok(second.recorded.progress.every((p) => !p.message.startsWith('created')));
    const after = await core.readNamespacedConfigMap({ namespace, name: 'settings' });
    assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion, 'the re-apply changed nothing');
    const webAfter = await apps.readNamespacedDeployment({ namespace, name: 'web' });
    assert.equal(webAfter.metadata?.generation, web.metadata?.generation);

    // The Secret really holds the value; it appears nowhere in what the action reported.
    const secret = await core.readNamespacedSecret({ namespace, name: 'credentials' });
    const encoded = Buffer.from(SECRET_VALUE).toString('base64');
    assert.equal(secret.data?.password, encoded);
    const reported = JSON.stringify([first, second, plan, again]);
    assert.ok(!reported.includes(SECRET_VALUE) && !reported.includes(encoded), 'Secret data was reported');
  });

  test('a manifest namespace wins over the default, and permissions name every object', async () => {
    const namespace = await testNamespace('t-apply-ns');
    const other = await testNamespace('t-apply-other');
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ${other}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n`;
    const result = await runAction(apply, { manifest: text, namespace });
    assert.deepEqual(result.outputs.objects, [`ConfigMap/${other}/a`, `ConfigMap/${namespace}/b`]);
    await core.readNamespacedConfigMap({ namespace: other, name: 'a' });

    const permissions = apply.permissions?.({ manifest: text, namespace }, 'default') ?? [];
    assert.deepEqual(
      permissions.map((p) => `${p.verb} ${p.resource} ${p.namespace}/${p.name}`),
      ['get', 'create', 'patch']
        .map((verb) => `${verb} configmaps ${other}/a`)
        .concat(['get', 'create', 'patch'].map((verb) => `${verb} configmaps ${namespace}/b`)),
    );
  });

  test('waits for an applied Job to complete, and fails as soon as one fails', async () => {
    const namespace = await testNamespace('t-apply-job');
    const job = (name: string, annotations: Record<string, string>) => `
apiVersion: batch/v1
kind: Job
metadata: { name: ${name} }
spec:
  backoffLimit: 0
  template:
    metadata: { annotations: ${JSON.stringify(annotations)} }
    spec:
      restartPolicy: Never
      containers: [{ name: run, image: registry.test.example/restore:1 }]
`;
    await runAction(apply, { manifest: job('restore', {}), namespace, wait: true, timeout: '30s' });
    const done = await batch.readNamespacedJob({ namespace, name: 'restore' });
    assert.ok(done.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'));

    const started = performance.now();
    await assert.rejects(
      runAction(apply, {
        manifest: job('broken', { 'sandbox.drill.dev/exit-code': '1' }),
        namespace,
        wait: true,
        timeout: '60s',
      }),
      {
        message: new RegExp(
          `^gave up waiting for Job ${namespace}/broken to be ready: broken: failed \\(BackoffLimitExceeded`,
        ),
      },
    );
    assert.ok(performance.now() - started < 30_000, 'failed fast, not at the timeout');
  });

  test('fails clearly on a bad manifest or an unknown kind, before applying anything', async () => {
    const namespace = await testNamespace('t-apply-bad');
    await assert.rejects(runAction(apply, { manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', namespace }), {
      message: /document 1: metadata.name is missing/,
    });
    const unknown = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n`;
    await assert.rejects(runAction(apply, { manifest: unknown, namespace }), /Widget/);
    await assert.rejects(core.readNamespacedConfigMap({ namespace, name: 'first' }), (e) => apiErrorCode(e) === 404);
  });
});

describe('k8s.patch', () => {
  test('a strategic-merge patch merges a list by key; a merge patch replaces it', async () => {
    const namespace = await testNamespace('t-patch');
    await apps.createNamespacedDeployment({ namespace, body: deployment('web', 1) });
    const containers = async () =>
      (await apps.readNamespacedDeployment({ namespace, name: 'web' })).spec?.template.spec?.containers ?? [];
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace };
    const patchOf = (image: string) => ({ spec: { template: { spec: { containers: [{ name: 'app', image }] } } } });

    const plan = await planAction(patch, { ...ref, patch: patchOf('web:2') });
    assert.equal(plan.summary, `strategic-merge patch of Deployment ${namespace}/web`);
    assert.equal(plan.warnings, undefined);

    await runAction(patch, { ...ref, patch: patchOf('web:2') });
    const [merged] = await containers();
    assert.equal(merged?.image, 'web:2');
    assert.deepEqual(
      merged?.ports?.map((p) => p.containerPort),
      [8080],
      'the ports of the container were kept',
    );

    // The same patch as a merge patch, written as a YAML string: the list is replaced whole.
    await runAction(patch, {
      ...ref,
      type: 'merge',
      patch: 'spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: web:3\n',
    });
    const [replaced] = await containers();
    assert.equal(replaced?.image, 'web:3');
    assert.equal(replaced?.ports, undefined, 'the merge patch replaced the list, ports and all');
  });

  test('a JSON patch, and the errors of patches that cannot work', async () => {
    const namespace = await testNamespace('t-patch-json');
    await configMap(namespace, 'settings', { mode: 'normal' });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace };
    const result = await runAction(patch, {
      ...ref,
      type: 'json',
      patch: [{ op: 'replace', path: '/data/mode', value: 'drill' }],
    });
    const patched = await core.readNamespacedConfigMap({ namespace, name: 'settings' });
    assert.equal(patched.data?.mode, 'drill');
    assert.deepEqual(result.outputs, { resourceVersion: patched.metadata?.resourceVersion });

    const failing = { ...ref, type: 'json', patch: '[{op: test, path: /data/mode, value: other}]' };
    const plan = await planAction(patch, failing);
    assert.match(plan.warnings?.[0] ?? '', /^the server would reject the patch: /);
    await assert.rejects(runAction(patch, failing), {
      message: new RegExp(`^patching ConfigMap ${namespace}/settings: `),
    });
    await assert.rejects(
      runAction(patch, { ...ref, type: 'json', patch: '{data: {mode: x}}' }),
      /a JSON patch is a list/,
    );
    await assert.rejects(runAction(patch, { ...ref, name: 'missing', patch: { data: { a: 'b' } } }), /not found/);
    const missingPlan = await planAction(patch, { ...ref, name: 'missing', patch: { data: { a: 'b' } } });
    assert.deepEqual(missingPlan.warnings, [`ConfigMap ${namespace}/missing does not exist`]);
  });
});

describe('k8s.delete', () => {
  test('waits, by watch, until finalizers let the object go', async () => {
    const namespace = await testNamespace('t-delete');
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'held', finalizers: ['drill.dev/hold'] } },
    });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'held', namespace };
    const plan = await planAction(k8sDelete, ref);
    assert.deepEqual(plan.details, ['its finalizers must finish first: drill.dev/hold']);

    const deleting = timed(runAction(k8sDelete, { ...ref, timeout: '30s' }));
    await waitFor('the ConfigMap to be terminating', async () => {
      const held = await core.readNamespacedConfigMap({ namespace, name: 'held' });
      return held.metadata?.deletionTimestamp !== undefined;
    });
    const released = await core.patchNamespacedConfigMap(
      { namespace, name: 'held', body: { metadata: { finalizers: null } } },
      merge,
    );
    const releasedAt = performance.now();
    const outcome = await deleting;
    assert.equal(outcome.error, undefined);
    assert.ok(outcome.settledAt - releasedAt < 1000, `ended ${outcome.settledAt - releasedAt} ms after the release`);
    assert.ok(released.metadata?.deletionTimestamp);
    assert.ok(
      outcome.result?.recorded.progress.some((p) => p.message.includes('(terminating, finalizers drill.dev/hold)')),
    );
    await assert.rejects(core.readNamespacedConfigMap({ namespace, name: 'held' }), (e) => apiErrorCode(e) === 404);
  });

  test('a missing object fails unless ignoreNotFound; a stuck deletion times out saying why', async () => {
    const namespace = await testNamespace('t-delete-missing');
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', namespace };
    await assert.rejects(runAction(k8sDelete, ref), { message: `ConfigMap ${namespace}/gone not found` });
    await runAction(k8sDelete, { ...ref, ignoreNotFound: true });

    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'stuck', finalizers: ['drill.dev/hold'] } },
    });
    await assert.rejects(runAction(k8sDelete, { ...ref, name: 'stuck', timeout: '1s' }), {
      message: `timed out after 1s waiting for ConfigMap ${namespace}/stuck to be deleted; last seen: still there: stuck (terminating, finalizers drill.dev/hold)`,
    });
    await core.patchNamespacedConfigMap({ namespace, name: 'stuck', body: { metadata: { finalizers: null } } }, merge);
  });
});

describe('k8s.wait', () => {
  test('a condition on a Deployment, from before the change to after it', async () => {
    const namespace = await testNamespace('t-wait-cond');
    await apps.createNamespacedDeployment({ namespace, body: deployment('web', 3) });
    const input = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace, condition: 'Available' };
    const result = await runAction(wait, { ...input, timeout: '30s' });
    const web = await apps.readNamespacedDeployment({ namespace, name: 'web' });
    assert.ok(web.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True'));
    assert.ok((web.status?.availableReplicas ?? 0) >= 1);
    assert.ok(result.recorded.progress.some((p) => p.message.startsWith('web: Available=True')));

    const plan = await planAction(wait, input);
    assert.equal(plan.summary, `wait for Deployment ${namespace}/web to be Available`);
    assert.deepEqual(plan.details, ['now: web: Available=True (MinimumReplicasAvailable)']);
  });

  test('pods by selector, Ready', async () => {
    const namespace = await testNamespace('t-wait-pods');
    await apps.createNamespacedDeployment({ namespace, body: deployment('web', 3) });
    // The wait is for the pods the selector matches: all three must exist first, or it may end with
    // the first ones Ready before the ReplicaSet has created the last (seen once in CI).
    await waitFor(
      'the three pods to exist',
      async () => (await core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items.length === 3,
    );
    await runAction(wait, {
      apiVersion: 'v1',
      kind: 'Pod',
      selector: 'app=web',
      namespace,
      condition: 'Ready',
      timeout: '30s',
    });
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    assert.ok(pods.items.length > 0);
    assert.ok(pods.items.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')));
  });

  test('a JSONPath value, ending right after the change that makes it true', async () => {
    const namespace = await testNamespace('t-wait-jsonpath');
    await configMap(namespace, 'settings', { mode: 'normal' });
    const waiting = timed(
      runAction(wait, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'settings',
        namespace,
        jsonpath: '{.data.mode}',
        value: 'maintenance',
        timeout: '30s',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await core.patchNamespacedConfigMap(
      { namespace, name: 'settings', body: { data: { mode: 'maintenance' } } },
      merge,
    );
    const changedAt = performance.now();
    const outcome = await waiting;
    assert.equal(outcome.error, undefined);
    assert.ok(
      outcome.settledAt - changedAt < 500,
      `ended ${Math.round(outcome.settledAt - changedAt)} ms after the change`,
    );
  });

  test('an object created after the wait began', async () => {
    const namespace = await testNamespace('t-wait-create');
    // Created only once the wait has seen it missing, however slowly the wait starts.
    let seenMissing = false;
    const waiting = runAction(
      wait,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'later',
        namespace,
        jsonpath: 'data.ready',
        value: 'yes',
        timeout: '30s',
      },
      { onProgress: (message) => (seenMissing ||= message === 'later not found') },
    );
    await waitFor('the wait to report the ConfigMap missing', () => Promise.resolve(seenMissing));
    await configMap(namespace, 'later', { ready: 'yes' });
    assert.deepEqual((await waiting).outputs, {});
  });

  test('deletion, by selector', async () => {
    const namespace = await testNamespace('t-wait-deleted');
    await apps.createNamespacedDeployment({ namespace, body: deployment('web', 2) });
    await waitFor(
      '2 pods',
      async () => (await core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items.length === 2,
    );
    const waiting = runAction(wait, {
      apiVersion: 'v1',
      kind: 'Pod',
      selector: 'app=web',
      namespace,
      deleted: true,
      timeout: '30s',
    });
    await apps.deleteNamespacedDeployment({ namespace, name: 'web', propagationPolicy: 'Foreground' });
    const result = await waiting;
    assert.deepEqual((await core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items, []);
    assert.ok(result.recorded.progress.some((p) => p.message.startsWith('still there: ')));
  });

  test('a timeout says what it last saw', async () => {
    const namespace = await testNamespace('t-wait-timeout');
    await configMap(namespace, 'settings', { mode: 'normal' });
    const started = performance.now();
    await assert.rejects(
      runAction(wait, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'settings',
        namespace,
        jsonpath: '{.data.mode}',
        value: 'maintenance',
        timeout: '1s',
      }),
      {
        message: `timed out after 1s waiting for ConfigMap ${namespace}/settings to have {.data.mode} = "maintenance"; last seen: settings: {.data.mode} is "normal"`,
      },
    );
    const tookMs = performance.now() - started;
    assert.ok(tookMs >= 1000 && tookMs < 2000, `took ${Math.round(tookMs)} ms`);
    // Without its own timeout, the step's bounds it.
    await assert.rejects(
      runAction(
        wait,
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'absent', namespace, condition: 'Available' },
        { timeoutMs: 500 },
      ),
      {
        message: `timed out after 500ms waiting for Deployment ${namespace}/absent to be Available; last seen: absent not found`,
      },
    );
  });

  test('an abort ends the wait at once, and a bad JSONPath fails before waiting', async () => {
    const namespace = await testNamespace('t-wait-abort');
    const controller = new AbortController();
    const waiting = timed(
      runAction(
        wait,
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'never', namespace, condition: 'Ready' },
        { signal: controller.signal },
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort(new Error('interrupted'));
    const abortedAt = performance.now();
    const outcome = await waiting;
    assert.equal((outcome.error as Error).message, 'interrupted');
    // Promptly: the wait has no timeout of its own to end at.
    assert.ok(
      outcome.settledAt - abortedAt < 1000,
      `ended ${Math.round(outcome.settledAt - abortedAt)} ms after the abort`,
    );

    await assert.rejects(
      runAction(wait, { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', namespace, jsonpath: '{..data}', value: 'v' }),
      /recursive descent/,
    );
  });
});
