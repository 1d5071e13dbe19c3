// `kubectl drill resume` end to end: a drill killed with SIGKILL in the middle of the node drain
// goes on from the step it was in, in the same run and journal, and ends as a whole run would; a
// run that succeeded has nothing to resume; a runbook changed since is refused, naming the change.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { RunEvent } from '../../src/engine/events.ts';
import type { Report } from '../../src/report/model.ts';
import { cli, cordonedNodes, journal, shopSettled, uncordonAll } from '../support/cli.ts';
import { adminKubeconfig, repoRoot, sandboxDir } from '../support/paths.ts';
import { waitFor } from '../support/sandbox.ts';

const env = { ...process.env, CI: 'true' };

function drill(args: string[]) {
  return spawnSync(cli, [...args, '--kubeconfig', adminKubeconfig], { encoding: 'utf8', env, timeout: 240_000 });
}

function onlyRun(journalDir: string): string {
  const runs = readdirSync(journalDir);
  assert.equal(runs.length, 1);
  return join(journalDir, runs[0] ?? '');
}

/** Starts a drill, SIGKILLs it once the journal shows `when`, and returns its run folder. */
async function killWhen(args: string[], journalDir: string, when: (event: RunEvent) => boolean): Promise<string> {
  const child: ChildProcess = spawn(cli, [...args, '--journal-dir', journalDir, '--kubeconfig', adminKubeconfig], {
    env,
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await waitFor(
    'the moment to kill the drill',
    () => {
      const dir = existsSync(journalDir) ? readdirSync(journalDir)[0] : undefined;
      return Promise.resolve(dir !== undefined && journal(join(journalDir, dir)).some(when));
    },
    120_000,
  );
  child.kill('SIGKILL');
  await exited;
  return onlyRun(journalDir);
}

describe('kubectl drill resume', () => {
  afterEach(uncordonAll);

  test('a drill killed in the middle of the node drain is resumed and finishes, in the same run', async () => {
    await shopSettled();
    const { prometheusURL } = JSON.parse(readFileSync(join(sandboxDir, 'ready'), 'utf8')) as { prometheusURL: string };
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const runbook = `${repoRoot}runbooks/evacuate-region.yaml`;
    const dir = await killWhen(
      ['run', runbook, '--yes', '--set', `prometheus=${prometheusURL}`],
      journalDir,
      (e) => e.type === 'step.progress' && e.step === 'drain' && e.message.startsWith('evicting'),
    );
    const resumed = drill(['resume', dir, '--yes']);
    assert.ok([0, 3].includes(resumed.status ?? -1), `exit ${resumed.status}: ${resumed.stderr}`);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    assert.equal(report.status, 'succeeded');
    assert.deepEqual(
      report.steps.filter((s) => s.phase === 'steps').map((s) => [s.id, s.status]),
      [
        ['drain-traffic', 'succeeded'],
        ['cordon', 'succeeded'],
        ['drain', 'succeeded'],
        ['frontend-serving', 'succeeded'],
        ['rollback-checkout', 'succeeded'],
        ['confirm-region-empty', 'succeeded'],
        ['uncordon', 'succeeded'],
        ['restore-release', 'succeeded'],
        ['restore-traffic', 'succeeded'],
      ],
    );
    assert.equal(report.resumes.length, 1);
    assert.equal(report.resumes[0]?.fromStep, 'drain');
    assert.ok((report.resumes[0]?.gapMs ?? 0) > 0);
    assert.match(resumed.stdout, /resumed at .* from step drain after a gap of/);
    const events = journal(dir);
    assert.equal(events.filter((e) => e.type === 'run.started').length, 1, 'one run, one journal');
    assert.equal(events.at(-1)?.type, 'run.finished');
    // The uncordon step took back the cordons of the part before the kill too.
    assert.deepEqual(await cordonedNodes(), []);

    const again = drill(['resume', dir, '--yes']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /succeeded: nothing to\s+(› +)?resume/);
  });

  test('a runbook changed since the run started is refused, naming what changed', async () => {
    const work = mkdtempSync(join(tmpdir(), 'drill-runbook-'));
    const runbook = join(work, 'long-sleep.yaml');
    copyFileSync(`${repoRoot}test/fixtures/runbooks/e2e/long-sleep.yaml`, runbook);
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const dir = await killWhen(
      ['run', runbook, '--yes'],
      journalDir,
      (e) => e.type === 'step.started' && e.step === 'nap',
    );
    writeFileSync(runbook, readFileSync(runbook, 'utf8').replace('duration: 1m', 'duration: 2m'));
    const refused = drill(['resume', dir, '--yes']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /changed since run/);
    assert.match(refused.stderr, /step "nap" changed/);
    assert.equal(journal(dir).filter((e) => e.type === 'run.resumed').length, 0, 'nothing was resumed');
  });
});
