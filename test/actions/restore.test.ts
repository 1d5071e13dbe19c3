// restore.job against the sandbox: a Job that completes (timed by the cluster's own clock), one that
// fails (named by its condition, with what can be said of its pod's logs), and its undo record.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import backupVelero from '../../src/actions/backup/velero.ts';
import restoreJob from '../../src/actions/restore/job.ts';
import restoreVelero from '../../src/actions/restore/velero.ts';
import { undoChange } from '../../src/kube/changes.ts';
import { actionContext, runAction } from '../support/actions.ts';
import { sandboxDir } from '../support/paths.ts';
import { admin, apps, batch, core, testNamespace, waitFor } from '../support/sandbox.ts';
import { resolveStepInput } from '../../src/runbook/resolve.ts';

const job = (name: string, annotations: Record<string, string> = {}) => `
apiVersion: batch/v1
kind: Job
metadata: { name: ${name} }
spec:
  backoffLimit: 0
  template:
    metadata: { annotations: ${JSON.stringify(annotations)} }
    spec:
      restartPolicy: Never
      containers: [{ name: restore, image: registry.test.example/pg-restore:16, args: [pg_restore, /backup/orders.dump] }]
`;

describe('restore.job', () => {
  test('runs a Job of its own to completion, timed, and its undo deletes it', async () => {
    const namespace = await testNamespace('restore-job');
    const first = await runAction(restoreJob, {
      manifest: job('restore-orders', { 'sandbox.drill.dev/complete-after': '1s' }),
      namespace,
    });
    const second = await runAction(restoreJob, { manifest: job('restore-orders'), namespace });
    assert.match(String(first.outputs.job), /^restore-orders-[0-9a-f]{5}$/);
    assert.notEqual(first.outputs.job, second.outputs.job, 'every run creates a Job of its own');
    assert.equal(first.outputs.succeededPods, 1);
    assert.ok(
      typeof first.outputs.jobMs === 'number' && first.outputs.jobMs >= 1000,
      `jobMs ${String(first.outputs.jobMs)}`,
    );
    assert.ok(first.recorded.progress.some((p) => p.message.endsWith('complete')));

    const [created] = first.recorded.changes;
    assert.equal(created?.type, 'created');
    assert.equal((await undoChange(admin, created)).result, 'restored');
    await waitFor('the undone Job to be gone', async () => {
      const names = (await batch.listNamespacedJob({ namespace })).items.map((j) => j.metadata?.name);
      return names.length === 1 && names[0] === second.outputs.job;
    });
  });

  test("a failed Job fails the step with the Job's reason and says whether its pod's logs can be read", async () => {
    const namespace = await testNamespace('restore-job-fail');
    await assert.rejects(
      runAction(restoreJob, {
        manifest: job('restore-bad', { 'sandbox.drill.dev/exit-code': '3' }),
        namespace,
        timeout: '1m',
      }),
      (error: Error) => {
        assert.match(error.message, /Job .*restore-bad-[0-9a-f]{5} to complete/);
        assert.match(error.message, /failed \(BackoffLimitExceeded/);
        // The sandbox routes logs to nowhere, as a locked-down cluster may: the step says so.
        assert.match(error.message, /the logs of pod restore-bad-[0-9a-f]{5}-\w+ cannot be read: /);
        return true;
      },
    );
  });

  test('a manifest that is not exactly one Job is refused before anything is created', async () => {
    const { context, recorded } = actionContext();
    const input = resolveStepInput(
      restoreJob,
      { manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' },
      { params: {}, outputs: {} },
    );
    await assert.rejects(
      restoreJob.execute?.(input, context) ?? Promise.resolve(),
      /exactly one batch\/v1 Job; the manifest holds v1 ConfigMap/,
    );
    assert.deepEqual(recorded.changes, []);
  });
});

describe("restore.velero and backup.velero, against the sandbox's real Velero", () => {
  const velero = (JSON.parse(readFileSync(`${sandboxDir}/ready`, 'utf8')) as { velero: { baselineBackup: string } })
    .velero;
  const orders = (namespace: string) => ({
    backupName: velero.baselineBackup,
    includedNamespaces: ['shop'],
    includedResources: ['statefulsets', 'services'],
    namespaceMapping: { shop: namespace },
  });

  test('a restore that completes: phase, items, both clocks, and its undo record', async () => {
    const namespace = await testNamespace('velero-ok');
    const result = await runAction(restoreVelero, { ...orders(namespace), timeout: '2m' });
    assert.equal(result.outputs.phase, 'Completed');
    assert.equal(result.outputs.backup, velero.baselineBackup);
    assert.ok((result.outputs.itemsRestored as number) > 0, JSON.stringify(result.outputs));
    const times = result.outputs.timeToRestore as { ms: number; veleroMs?: number };
    assert.ok(times.ms > 0 && typeof times.veleroMs === 'number', JSON.stringify(times));
    await apps.readNamespacedStatefulSet({ namespace, name: 'orders-db' });
    assert.deepEqual(
      result.recorded.changes.map((c) => c.type),
      ['created', 'irreversible'],
    );
  });

  test('a restore that partially fails fails the step, or passes with allowPartial', async () => {
    // A quota of no Services in the target: Velero restores the StatefulSet, not the Service.
    const namespace = await testNamespace('velero-partial');
    await core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'no-services' }, spec: { hard: { services: '0' } } },
    });
    await assert.rejects(
      runAction(restoreVelero, { ...orders(namespace), timeout: '2m' }),
      /PartiallyFailed.*\d+ errors.*allowPartial/,
    );
    const allowed = await runAction(restoreVelero, {
      ...orders(namespace),
      allowPartial: true,
      existingResourcePolicy: 'none',
      timeout: '2m',
    });
    assert.equal(allowed.outputs.phase, 'PartiallyFailed');
    assert.ok((allowed.outputs.errors as number) > 0);
  });

  test('a restore Velero refuses fails with its validation errors', async () => {
    const namespace = await testNamespace('velero-invalid');
    await assert.rejects(
      runAction(restoreVelero, {
        ...orders(namespace),
        includedResources: ['services'],
        excludedResources: ['services'],
        timeout: '1m',
      }),
      /FailedValidation: .*services/,
    );
  });

  test('a restore that takes longer than its timeout fails, saying what it last saw', async () => {
    const namespace = await testNamespace('velero-slow');
    let restore = '';
    await assert.rejects(runAction(restoreVelero, { ...orders(namespace), timeout: '10ms' }), (error: Error) => {
      assert.match(error.message, /timed out after 10ms waiting for Restore velero\/.* to finish; last seen: /);
      restore = /Restore velero\/(\S+) to finish/.exec(error.message)?.[1] ?? '';
      return true;
    });
    // Velero goes on with it: let it finish, or it creates the namespace again after the test removes it.
    await waitFor(
      'the timed-out Restore to finish',
      async () => {
        const found = await admin.objects.read<{
          apiVersion: string;
          kind: string;
          metadata: { name: string; namespace: string };
          status?: { phase?: string };
        }>({
          apiVersion: 'velero.io/v1',
          kind: 'Restore',
          metadata: { name: restore, namespace: 'velero' },
        });
        return ['Completed', 'PartiallyFailed', 'Failed'].includes(found.status?.phase ?? '');
      },
      60_000,
    );
  });

  test('an unknown backup or schedule is refused before anything is created', async () => {
    const { context } = actionContext();
    const check = (input: Record<string, unknown>) =>
      restoreVelero.check?.(resolveStepInput(restoreVelero, input, { params: {}, outputs: {} }), context);
    await assert.rejects(
      check({ backupName: 'no-such-backup' }) ?? Promise.resolve(),
      /no Backup "no-such-backup" in namespace velero \(found: .*shop-baseline/,
    );
    await assert.rejects(
      check({ scheduleName: 'nightly' }) ?? Promise.resolve(),
      /no Schedule "nightly" in namespace velero/,
    );
    assert.match((await check({ backupName: velero.baselineBackup })) ?? '', /restore from Backup shop-baseline/);
  });

  test('backup.velero takes a Backup and times it; a restore from it completes', async () => {
    const namespace = await testNamespace('velero-backup');
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'orders-config' }, data: { a: '1' } },
    });
    const backup = await runAction(backupVelero, { includedNamespaces: [namespace], timeout: '2m' });
    assert.equal(backup.outputs.phase, 'Completed');
    assert.equal(backup.recorded.changes[0]?.type, 'irreversible');
    await core.deleteNamespacedConfigMap({ namespace, name: 'orders-config' });
    const restored = await runAction(restoreVelero, { backupName: backup.outputs.backup, timeout: '2m' });
    assert.equal(restored.outputs.phase, 'Completed');
    assert.equal((await core.readNamespacedConfigMap({ namespace, name: 'orders-config' })).data?.a, '1');
  });
});
