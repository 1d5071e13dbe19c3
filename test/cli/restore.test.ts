// runbooks/restore-orders.yaml end to end against the sandbox's real Velero: the orders database
// lost and restored, with its time-to-restore span; and an unknown backup refused before the
// drill deletes anything.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Report } from '../../src/report/model.ts';
import { cli } from '../support/cli.ts';
import { adminKubeconfig, repoRoot } from '../support/paths.ts';
import { apps } from '../support/sandbox.ts';

const runbook = `${repoRoot}runbooks/restore-orders.yaml`;

function drill(args: string[]) {
  return spawnSync(cli, [...args, '--kubeconfig', adminKubeconfig], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 240_000,
  });
}

describe('restore-orders', () => {
  test('an unknown backup is refused before the drill deletes anything', async () => {
    const before = (await apps.readNamespacedStatefulSet({ namespace: 'shop', name: 'orders-db' })).metadata?.uid;
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const result = drill(['run', runbook, '--yes', '--set', 'backup=no-such-backup', '--journal-dir', journalDir]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /step "restore": no Backup "no-such-backup" in namespace velero/);
    assert.deepEqual(readdirSync(journalDir), [], 'no run was started');
    const after = (await apps.readNamespacedStatefulSet({ namespace: 'shop', name: 'orders-db' })).metadata?.uid;
    assert.equal(after, before, 'the orders database was not touched');
  });

  test('loses the orders database and restores it with Velero, timed as time-to-restore', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const result = drill(['run', runbook, '--yes', '--journal-dir', journalDir]);
    assert.ok([0, 3].includes(result.status ?? -1), `exit ${result.status}: ${result.stderr}`);
    const [run] = readdirSync(journalDir);
    const report = JSON.parse(readFileSync(join(journalDir, run ?? '', 'report.json'), 'utf8')) as Report;
    const restore = report.steps.find((s) => s.id === 'restore');
    assert.equal(restore?.status, 'succeeded');
    assert.equal(restore?.outputs.phase, 'Completed');
    assert.ok((restore?.outputs.itemsRestored as number) > 0);
    assert.equal(typeof restore?.targetMs, 'number');
    const [span] = report.spans;
    assert.equal(span?.name, 'time-to-restore');
    assert.ok(typeof span.ms === 'number' && span.targetMs === 120_000, JSON.stringify(span));
    assert.match(result.stdout, /^time-to-restore \(restore \.\. verify\): .*target 2m00s/m);
    const orders = await apps.readNamespacedStatefulSet({ namespace: 'shop', name: 'orders-db' });
    assert.equal(orders.status?.readyReplicas, 3);
  });
});
