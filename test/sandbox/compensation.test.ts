// Undo records against the real API server: a change is put back only where the object still
// holds the value the drill set; as-before is left; anything else is a conflict, never overwritten.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import apply from '../../src/actions/k8s/apply.ts';
import patch from '../../src/actions/k8s/patch.ts';
import cordon from '../../src/actions/nodes/cordon.ts';
import rolloutUndo from '../../src/actions/rollout/undo.ts';
import scale from '../../src/actions/workloads/scale.ts';
import { type Change, undoChange } from '../../src/kube/changes.ts';
import { runAction } from '../support/actions.ts';
import { admin, apps, core, deployment, testNamespace, waitFor } from '../support/sandbox.ts';

const configMap = (namespace: string, name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${namespace}}\ndata: ${JSON.stringify(data)}\n`;

async function readData(namespace: string, name: string): Promise<Record<string, string> | undefined> {
  try {
    return (await core.readNamespacedConfigMap({ namespace, name })).data;
  } catch {
    return undefined;
  }
}

describe('undoing recorded changes', () => {
  test('a cordon is undone once; the second undo finds it as before', async () => {
    const cordoned = await runAction(cordon, { nodes: ['ap-south-a-1'] });
    const [change] = cordoned.recorded.changes;
    assert.ok(change);
    const first = await undoChange(admin, change);
    assert.equal(first.result, 'restored');
    assert.equal((await core.readNode({ name: 'ap-south-a-1' })).spec?.unschedulable, undefined);
    const second = await undoChange(admin, change);
    assert.equal(second.result, 'unchanged');
    assert.match(second.lines[0] ?? '', /already \(absent\)/);
  });

  test('a field someone changed since is a conflict: reported with both values and left alone', async () => {
    const namespace = await testNamespace('undo-conflict');
    await runAction(apply, { manifest: configMap(namespace, 'flags', { mode: 'normal', color: 'blue' }) });
    const patched = await runAction(patch, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'flags',
      namespace,
      type: 'merge',
      patch: { data: { mode: 'degraded', color: 'red' } },
    });
    const [change] = patched.recorded.changes;
    assert.equal(change?.type, 'fields');
    assert.deepEqual(change.type === 'fields' && change.fields, [
      { path: '/data/color', before: 'blue', after: 'red' },
      { path: '/data/mode', before: 'normal', after: 'degraded' },
    ]);
    // Someone else acts on the incident in the meantime.
    await core.patchNamespacedConfigMap(
      { namespace, name: 'flags', body: { data: { mode: 'maintenance' } } },
      admin.lib.setHeaderOptions('Content-Type', admin.lib.PatchStrategy.MergePatch),
    );
    const outcome = await undoChange(admin, change);
    assert.equal(outcome.result, 'conflict');
    assert.ok(
      outcome.lines.some((l) => l.includes('/data/mode: CONFLICT, now "maintenance", the drill set "degraded"')),
    );
    assert.deepEqual(await readData(namespace, 'flags'), { mode: 'maintenance', color: 'blue' });
  });

  test('an object the drill created is deleted; one created again under its name is left alone', async () => {
    const namespace = await testNamespace('undo-created');
    const applied = await runAction(apply, { manifest: configMap(namespace, 'made', { a: '1' }) });
    const [created] = applied.recorded.changes;
    assert.equal(created?.type, 'created');
    assert.equal((await undoChange(admin, created)).result, 'restored');
    assert.equal(await readData(namespace, 'made'), undefined);
    assert.equal((await undoChange(admin, created)).result, 'unchanged');

    const again = await runAction(apply, { manifest: configMap(namespace, 'made', { a: '2' }) });
    const [recreated] = again.recorded.changes;
    assert.ok(recreated);
    const uid = (await core.readNamespacedConfigMap({ namespace, name: 'made' })).metadata?.uid;
    const older: Change =
      recreated.type === 'created' ? { ...recreated, object: { ...recreated.object, uid: 'not-it' } } : recreated;
    assert.equal((await undoChange(admin, older)).result, 'conflict');
    assert.equal((await core.readNamespacedConfigMap({ namespace, name: 'made' })).metadata?.uid, uid);
  });

  test('an apply that changes an existing object records the fields it changed, and undo puts them back', async () => {
    const namespace = await testNamespace('undo-apply');
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'cfg' }, data: { a: '1' } } });
    const applied = await runAction(apply, { manifest: configMap(namespace, 'cfg', { a: '2', b: 'new' }) });
    const [change] = applied.recorded.changes;
    assert.equal(change?.type, 'fields');
    const paths = change.type === 'fields' ? change.fields.map((f) => f.path) : [];
    assert.ok(paths.includes('/data/a') && paths.includes('/data/b'), paths.join(', '));
    assert.equal((await undoChange(admin, change)).result, 'restored');
    assert.deepEqual(await readData(namespace, 'cfg'), { a: '1' });
  });
});

describe('undoing workload changes', () => {
  test('a rollback of a release is undone by putting its pod template back; a scale by its count', async () => {
    const namespace = await testNamespace('undo-rollout');
    const web = deployment('web', 2);
    await apps.createNamespacedDeployment({ namespace, body: web });
    await waitFor(
      'revision 1 rolled out',
      async () => (await apps.readNamespacedDeployment({ namespace, name: 'web' })).status?.readyReplicas === 2,
    );
    await apps.patchNamespacedDeployment(
      {
        namespace,
        name: 'web',
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.test.example/web:2' }] } } } },
      },
      admin.lib.setHeaderOptions('Content-Type', admin.lib.PatchStrategy.StrategicMergePatch),
    );
    const image = async () =>
      (await apps.readNamespacedDeployment({ namespace, name: 'web' })).spec?.template.spec?.containers[0]?.image;
    await waitFor('revision 2', async () => (await image()) === 'registry.test.example/web:2');

    const undone = await runAction(rolloutUndo, { kind: 'Deployment', name: 'web', namespace, timeout: '1m' });
    assert.equal(await image(), 'registry.test.example/web:1');
    const [template] = undone.recorded.changes;
    assert.equal(template?.type, 'fields');
    assert.ok(
      template.type === 'fields' &&
        template.fields.some((f) => f.path.startsWith('/spec/template') && f.after === 'registry.test.example/web:1'),
      JSON.stringify(template),
    );
    const outcome = await undoChange(admin, template);
    assert.equal(outcome.result, 'restored', outcome.lines.join('\n'));
    assert.equal(await image(), 'registry.test.example/web:2', 'the release the drill found is back');

    const scaled = await runAction(scale, { kind: 'Deployment', name: 'web', namespace, replicas: 0, wait: false });
    assert.equal(scaled.outputs.previousReplicas, 2);
    const [replicas] = scaled.recorded.changes;
    assert.ok(replicas);
    assert.deepEqual(replicas?.type === 'fields' && replicas.fields, [{ path: '/spec/replicas', before: 2, after: 0 }]);
    assert.equal((await undoChange(admin, replicas)).result, 'restored');
    assert.equal((await apps.readNamespacedDeployment({ namespace, name: 'web' })).spec?.replicas, 2);
  });
});
