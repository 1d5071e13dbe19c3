// Compensation end to end, as a user meets it: the real binary, the sandbox, drills stopped at
// their worst moment (SIGKILL, SIGTERM, Ctrl-C in the middle of the node drain or the traffic
// drain, a failing step), then the cluster checked: no node cordoned by the drill, every route
// weight as before, and a node that was cordoned before the drill still cordoned after it.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { RunEvent } from '../../src/engine/events.ts';
import { cli, cordonedNodes, journal, routeWeights, setCordoned, uncordonAll } from '../support/cli.ts';
import { adminKubeconfig, repoRoot, sandboxDir } from '../support/paths.ts';
import { waitFor } from '../support/sandbox.ts';

const evacuate = `${repoRoot}runbooks/evacuate-region.yaml`;
const fixture = (name: string) => `${repoRoot}test/fixtures/runbooks/e2e/${name}`;
const env = { ...process.env, CI: 'true' };

function drill(args: string[]) {
  return spawnSync(cli, [...args, '--kubeconfig', adminKubeconfig], { encoding: 'utf8', env, timeout: 180_000 });
}

function prometheusSet(): string[] {
  const { prometheusURL } = JSON.parse(readFileSync(join(sandboxDir, 'ready'), 'utf8')) as { prometheusURL: string };
  return ['--set', `prometheus=${prometheusURL}`];
}

function onlyRun(journalDir: string): string {
  const runs = readdirSync(journalDir);
  assert.equal(runs.length, 1, `one run folder in ${journalDir}`);
  return runs[0] ?? '';
}

/** Starts a drill and resolves once the journal shows `ready`; the child is returned running. */
async function startUntil(args: string[], journalDir: string, ready: (event: RunEvent) => boolean) {
  const child: ChildProcess = spawn(cli, [...args, '--journal-dir', journalDir, '--kubeconfig', adminKubeconfig], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(
    'the drill to reach the moment to stop it',
    () => {
      const dir = existsSync(journalDir) ? readdirSync(journalDir)[0] : undefined;
      return Promise.resolve(dir !== undefined && journal(join(journalDir, dir)).some(ready));
    },
    120_000,
  );
  return { child, exited, output: () => output };
}

const inNodeDrain = (event: RunEvent) =>
  event.type === 'step.progress' && event.step === 'drain' && event.message.startsWith('evicting');
/** Once the weights are at 0: the measure samples before and after, the drain is applied once. */
const inTrafficDrain = (event: RunEvent) =>
  event.type === 'step.progress' && event.step === 'drain-traffic' && event.message.startsWith('drained');

describe('compensation', () => {
  afterEach(uncordonAll);

  test('SIGKILL in the middle of the node drain, then rollback: nothing cordoned, weights as before', async () => {
    // Someone cordoned this node before the drill: it must stay cordoned.
    await setCordoned('eu-west-b-2', true);
    const weightsBefore = await routeWeights();
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const { child, exited } = await startUntil(['run', evacuate, '--yes', ...prometheusSet()], journalDir, inNodeDrain);
    child.kill('SIGKILL');
    await exited;
    const runId = onlyRun(journalDir);
    assert.ok((await cordonedNodes()).length >= 3, 'the killed drill left the region cordoned');
    assert.ok(
      (await routeWeights()).some((w) => w === 0),
      'the killed drill left the region drained of traffic',
    );
    // A kill can cut the last line short: rollback must still read the journal.
    appendFileSync(join(journalDir, runId, 'journal.jsonl'), '{"type":"step.progress","t":');

    const started = performance.now();
    const rollback = drill(['rollback', runId, '--journal-dir', journalDir]);
    const tookMs = Math.round(performance.now() - started);
    assert.equal(rollback.status, 0, `exit ${rollback.status}: ${rollback.stderr}`);
    assert.deepEqual(await cordonedNodes(), ['eu-west-b-2']);
    assert.deepEqual(await routeWeights(), weightsBefore);
    assert.match(rollback.stderr, /the journal ends in a cut line/);
    assert.match(rollback.stdout, /^rollback \(kubectl drill rollback\): succeeded in /m);
    assert.match(rollback.stdout, /cannot be undone: evict \d+ pods from node eu-west-/);
    console.log(`# rollback of the killed demo drill took ${tookMs} ms:\n${rollback.stdout}`);

    const events = journal(join(journalDir, runId));
    assert.ok(events.some((e) => e.type === 'run.progress' && e.message.includes('last line, cut short')));
    const types = events.map((e) => e.type);
    const lastRecordOfRun = events.findLastIndex((e) => e.type === 'undo.recorded' && e.phase === 'steps');
    assert.ok(types.indexOf('rollback.started') > lastRecordOfRun, 'the rollback is appended after the run');
    assert.equal(types.at(-1), 'rollback.finished');
    assert.ok(events.some((e) => e.type === 'step.finished' && e.phase === 'rollback' && e.status === 'succeeded'));

    // Twice is harmless.
    const again = drill(['rollback', join(journalDir, runId), '--journal-dir', journalDir]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /nothing left to roll back/);
    assert.deepEqual(await cordonedNodes(), ['eu-west-b-2']);
  });

  test('SIGKILL in the middle of the traffic drain, then rollback: every route weight as before', async () => {
    const weightsBefore = await routeWeights();
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const { child, exited } = await startUntil(
      ['run', evacuate, '--yes', ...prometheusSet()],
      journalDir,
      inTrafficDrain,
    );
    child.kill('SIGKILL');
    await exited;
    const runId = onlyRun(journalDir);
    assert.notDeepEqual(await routeWeights(), weightsBefore, 'the killed drill left the weights changed');
    const rollback = drill(['rollback', runId, '--journal-dir', journalDir]);
    assert.equal(rollback.status, 0, `exit ${rollback.status}: ${rollback.stderr}`);
    assert.deepEqual(await routeWeights(), weightsBefore);
    assert.deepEqual(await cordonedNodes(), []);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} in the middle of the node drain rolls back before exiting 130`, async () => {
      await setCordoned('eu-west-a-1', true);
      const weightsBefore = await routeWeights();
      const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
      const { child, exited, output } = await startUntil(
        ['run', evacuate, '--yes', ...prometheusSet()],
        journalDir,
        inNodeDrain,
      );
      child.kill(signal);
      assert.equal(await exited, 130, output());
      assert.deepEqual(await cordonedNodes(), ['eu-west-a-1']);
      assert.deepEqual(await routeWeights(), weightsBefore);
      const events = journal(join(journalDir, onlyRun(journalDir)));
      const finished = events.find((e) => e.type === 'rollback.finished');
      assert.equal(finished?.type === 'rollback.finished' && finished.status, 'succeeded');
      const drain = events.find((e) => e.type === 'step.finished' && e.step === 'drain');
      assert.equal(drain?.type === 'step.finished' && drain.status, 'interrupted');
      assert.ok(
        events.some((e) => e.type === 'run.finished' && e.status === 'interrupted' && e.metTarget === false),
        'an interrupted run never meets its target',
      );
      assert.match(output(), new RegExp(`interrupted \\(${signal}\\)`));
    });
  }

  test('a failing step with the default onFailure rolls back what the run changed, and only that', async () => {
    await setCordoned('ap-south-b-1', true);
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const result = drill(['run', fixture('cordon-then-fail.yaml'), '--yes', '--journal-dir', journalDir]);
    assert.equal(result.status, 1, result.stderr);
    assert.deepEqual(await cordonedNodes(), ['ap-south-b-1']);
    assert.match(result.stdout, /^uncordon +not-run/m);
    assert.match(result.stdout, /restored +Node ap-south-b-2 \/spec\/unschedulable: true -> \(absent\)/);
  });

  test('a clean run leaves a node cordoned before it cordoned; rollback of it is refused', async () => {
    await setCordoned('ap-south-b-1', true);
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const ran = drill([
      'run',
      fixture('cordon-then-fail.yaml'),
      '--set',
      'fail=false',
      '--yes',
      '--journal-dir',
      journalDir,
    ]);
    assert.equal(ran.status, 0, ran.stderr);
    assert.deepEqual(await cordonedNodes(), ['ap-south-b-1']);
    const refused = drill(['rollback', onlyRun(journalDir), '--journal-dir', journalDir]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /succeeded: its changes/);
    assert.match(refused.stderr, /--force undoes/);
  });

  test('an unknown run id gets a clear answer', () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const result = drill(['rollback', 'no-such-run', '--journal-dir', journalDir]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no run "no-such-run" in .* \(it holds no runs\)/);
  });
});
