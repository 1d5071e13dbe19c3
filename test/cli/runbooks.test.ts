// The runbook library (runbooks/), each run against the sandbox as a user runs it, leaving the
// sandbox as it found it: the next test (and the next drill) finds the same cluster.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { Report } from '../../src/report/model.ts';
import { cli, cordonedNodes, journal, shopSettled, uncordonAll } from '../support/cli.ts';
import { adminKubeconfig, repoRoot } from '../support/paths.ts';
import { apps, core, waitFor } from '../support/sandbox.ts';

const env = { ...process.env, CI: 'true' };

function drill(args: string[]) {
  return spawnSync(cli, [...args, '--kubeconfig', adminKubeconfig], { encoding: 'utf8', env, timeout: 300_000 });
}

function onlyRun(journalDir: string): string {
  const runs = readdirSync(journalDir);
  assert.equal(runs.length, 1, `one run folder in ${journalDir}`);
  return runs[0] ?? '';
}

async function checkoutImage(): Promise<string> {
  const deployment = await apps.readNamespacedDeployment({ name: 'checkout', namespace: 'shop' });
  return deployment.spec?.template.spec?.containers[0]?.image ?? '';
}

async function rolledOut(name: string): Promise<void> {
  await waitFor(`${name} rolled out`, async () => {
    const d = await apps.readNamespacedDeployment({ name, namespace: 'shop' });
    const want = d.spec?.replicas ?? 0;
    return (
      d.status?.observedGeneration === d.metadata?.generation &&
      d.status?.updatedReplicas === want &&
      d.status.availableReplicas === want &&
      (d.status.replicas ?? 0) === want
    );
  });
}

describe('runbooks/', () => {
  afterEach(uncordonAll);

  test('rollback-release.yaml rolls checkout back to 1.8.0, timed; rollback --force puts the bad release back', async () => {
    assert.equal(
      await checkoutImage(),
      'registry.shop.example/checkout:1.9.0',
      'the sandbox starts on the bad release',
    );
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const run = drill([
      'run',
      `${repoRoot}runbooks/rollback-release.yaml`,
      '--yes',
      '--rollback',
      'never',
      '--journal-dir',
      journalDir,
    ]);
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.equal(await checkoutImage(), 'registry.shop.example/checkout:1.8.0');
    const runId = onlyRun(journalDir);
    const report = JSON.parse(readFileSync(join(journalDir, runId, 'report.json'), 'utf8')) as Report;
    assert.deepEqual(
      report.steps.map((s) => [s.id, s.status]),
      [
        ['decide', 'succeeded'],
        ['rollback', 'succeeded'],
        ['rolled-out', 'succeeded'],
        ['verify', 'succeeded'],
      ],
    );
    const span = report.spans?.find((s) => s.name === 'time-to-rollback');
    assert.ok((span?.ms ?? 0) > 0 && span?.metTarget, JSON.stringify(report.spans));
    assert.match(run.stdout, /time-to-rollback \(rollback \.\. verify\)/);

    // Leave the sandbox as found: the run's own journal puts the bad release back.
    const back = drill(['rollback', runId, '--force', '--journal-dir', journalDir]);
    assert.equal(back.status, 0, back.stderr + back.stdout);
    assert.equal(await checkoutImage(), 'registry.shop.example/checkout:1.9.0');
    await rolledOut('checkout');
  });

  test('zone-outage.yaml checks capacity, empties the zone, and leaves every node schedulable', async () => {
    assert.deepEqual(await cordonedNodes(), []);
    await shopSettled();
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const run = drill([
      'run',
      `${repoRoot}runbooks/zone-outage.yaml`,
      '--yes',
      '--set',
      'zone=us-east-b',
      '--journal-dir',
      journalDir,
    ]);
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const events = journal(join(journalDir, onlyRun(journalDir)));
    const finished = (step: string) =>
      events.find((e) => e.type === 'step.finished' && e.phase === 'steps' && e.step === step) as
        { status: string; outputs?: Record<string, unknown> } | undefined;
    const capacity = finished('capacity');
    assert.equal(capacity?.status, 'succeeded');
    const needed = capacity?.outputs?.needed as { pods: number };
    assert.ok(needed.pods > 0, 'the zone has pods to move');
    assert.equal((capacity?.outputs?.surviving as string[]).length, 10);
    assert.ok(!(capacity?.outputs?.surviving as string[]).some((n) => n.startsWith('us-east-b')));
    const drain = finished('drain');
    assert.equal(drain?.status, 'succeeded');
    assert.deepEqual([...(drain?.outputs?.nodes as string[])].sort(), ['us-east-b-1', 'us-east-b-2']);
    assert.ok((drain?.outputs?.evictedPods as string[]).length > 0);
    // Every evicted pod is gone, or (a StatefulSet's, same name) running outside the zone.
    for (const evicted of drain?.outputs?.evictedPods as string[]) {
      const [namespace = '', name = ''] = evicted.split('/');
      const pod = await core.readNamespacedPod({ name, namespace }).catch(() => undefined);
      assert.ok(!pod?.spec?.nodeName?.startsWith('us-east-b'), `${evicted} is still on ${pod?.spec?.nodeName ?? ''}`);
    }
    assert.deepEqual(await cordonedNodes(), []);
    await rolledOut('frontend');
  });
});
