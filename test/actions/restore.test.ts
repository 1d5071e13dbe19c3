// restore.job against the sandbox: a Job that completes (timed by the cluster's own clock), one that
// fails (named by its condition, with what can be said of its pod's logs), and its undo record.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import restoreJob from '../../src/actions/restore/job.ts';
import { undoChange } from '../../src/kube/changes.ts';
import { actionContext, runAction } from '../support/actions.ts';
import { admin, batch, testNamespace, waitFor } from '../support/sandbox.ts';
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
