// `kubectl drill run` end to end, as a user runs it: the real binary, the sandbox, a journal
// directory, exit codes (DESIGN.md section 4).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { Report } from '../../src/report/model.ts';
import { cli, cordonedNodes, journal, routeWeights, uncordonAll } from '../support/cli.ts';
import { adminKubeconfig, repoRoot, restrictedKubeconfig, sandboxDir } from '../support/paths.ts';
import { apps, waitFor } from '../support/sandbox.ts';

const fixture = (name: string) => `${repoRoot}test/fixtures/runbooks/e2e/${name}`;
const env = { ...process.env, CI: 'true' };

function drill(args: string[], kubeconfig = adminKubeconfig) {
  return spawnSync(cli, [...args, '--kubeconfig', kubeconfig], { encoding: 'utf8', env, timeout: 120_000 });
}

function runDir(journalDir: string): string {
  const runs = readdirSync(journalDir);
  assert.equal(runs.length, 1, `one run folder in ${journalDir}`);
  return join(journalDir, runs[0] ?? '');
}

interface DrainTruth {
  region: string;
  drainStartedAt: string;
  crossed: Record<string, string | undefined>;
}

/** The traffic simulator's record of a region's last drain (test/cluster/README.md). */
function lastDrain(region: string): DrainTruth {
  const truth = JSON.parse(readFileSync(join(sandboxDir, 'traffic-truth.json'), 'utf8')) as {
    regions: Record<string, DrainTruth>;
    history: DrainTruth[];
  };
  const drains = [...truth.history, ...Object.values(truth.regions)].filter((d) => d.region === region);
  return drains.at(-1) ?? assert.fail(`no drain of ${region} in the truth file`);
}

describe('kubectl drill run', () => {
  afterEach(uncordonAll);

  test('runbooks/evacuate-region.yaml runs end to end with --yes, journaled and reported', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    // The sandbox's Prometheus is on 127.0.0.1:9090 unless that was taken: say where it is.
    const { prometheusURL } = JSON.parse(readFileSync(join(sandboxDir, 'ready'), 'utf8')) as { prometheusURL: string };
    const runbook = `${repoRoot}runbooks/evacuate-region.yaml`;
    const result = drill([
      'run',
      runbook,
      '--yes',
      '--journal-dir',
      journalDir,
      '--set',
      `prometheus=${prometheusURL}`,
    ]);
    assert.ok([0, 3].includes(result.status ?? -1), `exit ${result.status}: ${result.stderr}`);
    const dir = runDir(journalDir);

    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    assert.equal(report.runbook, 'evacuate-region');
    assert.equal(report.status, 'succeeded');
    assert.equal(report.runId, dir.split('/').at(-1));
    assert.ok(report.durationMs > 0 && report.targetMs === 180_000);
    const mainSteps = report.steps.filter((s) => s.phase === 'steps');
    assert.deepEqual(
      mainSteps.map((s) => s.id),
      [
        'drain-traffic',
        'cordon',
        'drain',
        'frontend-serving',
        'rollback-checkout',
        'confirm-region-empty',
        'uncordon',
        'restore-release',
        'restore-traffic',
      ],
    );
    for (const step of mainSteps) {
      assert.equal(step.status, 'succeeded', step.id);
      assert.equal(typeof step.metTarget, 'boolean', step.id);
      assert.ok(step.startedAt && step.targetMs, step.id);
    }
    assert.equal((report.steps.find((s) => s.id === 'drain')?.outputs.nodes as string[]).length, 4);

    const events = journal(dir);
    assert.equal(events[0]?.type, 'run.started');
    assert.equal(events.at(-1)?.type, 'run.finished');
    assert.equal(events.filter((e) => e.type === 'step.started').length, 9);
    assert.ok(events.some((e) => e.type === 'prompt.answered' && e.auto));
    assert.ok(
      events.every((e, i) => i === 0 || e.t >= (events[i - 1]?.t ?? 0)),
      't never goes back',
    );
    assert.ok(events.every((e) => !Number.isNaN(Date.parse(e.at))));
    assert.match(result.stdout, /STEP +STATUS +TIME +TARGET +MET/);

    // Time-to-drain comes from Prometheus and agrees with the traffic simulator's own truth.
    const [drained] = report.timeToDrain;
    assert.equal(report.timeToDrain.length, 1);
    assert.equal(drained?.source, 'prometheus');
    assert.equal(drained?.threshold, 0.99);
    const truth = lastDrain('eu-west');
    const truthMs = Date.parse(truth.crossed['0.99'] ?? '') - Date.parse(truth.drainStartedAt);
    assert.ok(Math.abs((drained?.ms ?? 0) - truthMs) <= 2000, `measured ${drained?.ms} ms, truth ${truthMs} ms`);

    // The drill leaves the shop as it found it: traffic back, region back, bad release back.
    assert.deepEqual(await routeWeights(), [100, 100, 100]);
    assert.deepEqual(await cordonedNodes(), []);
    const checkout = await apps.readNamespacedDeployment({ namespace: 'shop', name: 'checkout' });
    assert.equal(checkout.spec?.template.spec?.containers[0]?.image, 'registry.shop.example/checkout:1.9.0');
  });

  test('a user without the permissions is refused before anything changes, naming what is missing', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const result = drill(
      ['run', `${repoRoot}runbooks/evacuate-region.yaml`, '--yes', '--journal-dir', journalDir],
      restrictedKubeconfig,
    );
    assert.equal(result.status, 1);
    assert.match(result.stderr, /step "cordon" .* needs: patch nodes \(cluster-wide\)/);
    assert.match(result.stderr, /needs: create pods\/eviction/);
    assert.match(result.stderr, /missing permissions: nothing was changed/);
    assert.deepEqual(readdirSync(journalDir), [], 'no run was started');
    assert.deepEqual(await cordonedNodes(), []);
  });

  test('an invalid runbook exits 2 with file:line:col before touching the cluster', () => {
    const result = drill(['run', `${repoRoot}test/fixtures/runbooks/invalid/unknown-action.yaml`, '--yes']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown-action\.yaml:\d+:\d+: unknown action/);
  });

  test('without a terminal and without --yes, steps that need confirming are refused', async () => {
    const result = drill(['run', `${repoRoot}runbooks/evacuate-region.yaml`]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /pass --yes to run unattended/);
    assert.deepEqual(await cordonedNodes(), []);
  });

  test('a failing step with onFailure: rollback runs the rollback steps and exits 1', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const result = drill(['run', fixture('failing-with-rollback.yaml'), '--yes', '--journal-dir', journalDir]);
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(readFileSync(join(runDir(journalDir), 'report.json'), 'utf8')) as Report;
    assert.equal(report.status, 'failed');
    const status = Object.fromEntries(report.steps.map((s) => [`${s.phase}/${s.id}`, s.status]));
    assert.deepEqual(status, {
      'steps/cordon': 'succeeded',
      'steps/too-slow': 'failed',
      'steps/never': 'not-run',
      'rollback/uncordon': 'succeeded',
    });
    assert.match(report.steps.find((s) => s.id === 'too-slow')?.error ?? '', /timed out after 500ms/);
    assert.deepEqual(await cordonedNodes(), [], 'the rollback uncordoned the zone');
  });

  test('a missed target with every step succeeded exits 3', () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const result = drill(['run', fixture('missed-target.yaml'), '--yes', '--journal-dir', journalDir, '-o', 'json']);
    assert.equal(result.status, 3, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.status, 'succeeded');
    assert.equal(report.steps[0]?.metTarget, false);
  });

  test('an abortIf that trips stops the running step, aborts the run and runs the rollback', async () => {
    let healthy = true;
    const server = createServer((_request, response) => {
      response.writeHead(healthy ? 200 : 503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    try {
      const args = [
        'run',
        fixture('abort-if.yaml'),
        '--yes',
        '--journal-dir',
        journalDir,
        '--kubeconfig',
        adminKubeconfig,
      ];
      const child = spawn(cli, [...args, '--set', `health=http://127.0.0.1:${port}/`], { env, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await waitFor('the sleep step to start', () => {
        const dir = readdirSync(journalDir)[0];
        const started =
          dir !== undefined &&
          journal(join(journalDir, dir)).some((e) => e.type === 'step.started' && e.step === 'wait-for-trouble');
        return Promise.resolve(started);
      });
      healthy = false;
      assert.equal(await exited, 1);
    } finally {
      server.close();
    }
    const report = JSON.parse(readFileSync(join(runDir(journalDir), 'report.json'), 'utf8')) as Report;
    assert.equal(report.status, 'aborted');
    assert.match(report.reason ?? '', /abortIf tripped: http:\/\/127\.0\.0\.1:\d+\/ not answering 200/);
    const status = Object.fromEntries(report.steps.map((s) => [`${s.phase}/${s.id}`, s.status]));
    assert.deepEqual(status, {
      'steps/cordon': 'succeeded',
      'steps/wait-for-trouble': 'aborted',
      'steps/never': 'not-run',
      'rollback/uncordon': 'succeeded',
    });
    assert.deepEqual(await cordonedNodes(), [], 'the rollback uncordoned the zone');
  });

  test('an abortIf on a Prometheus query trips when the drain takes effect, and the rollback restores traffic', async () => {
    const { prometheusURL } = JSON.parse(readFileSync(join(sandboxDir, 'ready'), 'utf8')) as { prometheusURL: string };
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const args = ['run', fixture('abort-if-prometheus.yaml'), '--yes', '--journal-dir', journalDir];
    const result = drill([...args, '--set', `prometheus=${prometheusURL}`]);
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(readFileSync(join(runDir(journalDir), 'report.json'), 'utf8')) as Report;
    assert.equal(report.status, 'aborted');
    assert.match(
      report.reason ?? '',
      /abortIf tripped: sum\(drill_sandbox_traffic_share\{region="ap-south"\}\) < 0\.2/,
    );
    const status = Object.fromEntries(report.steps.map((s) => [`${s.phase}/${s.id}`, s.status]));
    assert.deepEqual(status, {
      'steps/drain-traffic': 'succeeded',
      'steps/wait': 'aborted',
      'rollback/restore-traffic': 'succeeded',
    });
    assert.deepEqual(await routeWeights(), [100, 100, 100]);
  });

  test('Ctrl-C marks the running step and the run interrupted, keeps the journal, exits 130', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const child: ChildProcess = spawn(
      cli,
      ['run', fixture('long-sleep.yaml'), '--yes', '--journal-dir', journalDir, '--kubeconfig', adminKubeconfig],
      { env, stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor('the nap step to start', () => {
      const dir = existsSync(journalDir) ? readdirSync(journalDir)[0] : undefined;
      return Promise.resolve(
        dir !== undefined && journal(join(journalDir, dir)).some((e) => e.type === 'step.started' && e.step === 'nap'),
      );
    });
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    const events = journal(runDir(journalDir));
    const nap = events.find((e) => e.type === 'step.finished' && e.step === 'nap');
    assert.equal(nap?.type === 'step.finished' && nap.status, 'interrupted');
    const last = events.at(-1);
    assert.equal(last?.type === 'run.finished' && last.status, 'interrupted');
    assert.ok(!events.some((e) => e.type === 'step.started' && e.step === 'never'));
  });
});
