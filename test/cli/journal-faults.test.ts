// The journal breaking under a running drill, with the fault really injected: its disk fills (a
// small tmpfs, filled once the drill is under way), its folder is removed. The run must stop before
// its next change, roll back what it changed, and say why. A journal dir that cannot hold runs is
// refused before any cluster access, and every file a run leaves is its owner's alone.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { RunEvent } from '../../src/engine/events.ts';
import { cli, cordonedNodes, journal, routeWeights, uncordonAll } from '../support/cli.ts';
import { adminKubeconfig, repoRoot } from '../support/paths.ts';
import { waitFor } from '../support/sandbox.ts';

const runbook = `${repoRoot}test/fixtures/runbooks/e2e/journal-faults.yaml`;
const env = { ...process.env, CI: 'true' };
const mounts: string[] = [];

/** A tmpfs of `size` (mount(8) words) in a new folder; unmounted after the tests. */
function tmpfs(size: string, options = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'drill-journal-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${options}`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  assert.equal(mounted.status, 0, `mount a tmpfs (the tests run as root): ${mounted.stderr}`);
  mounts.push(dir);
  return dir;
}

/** Writes until the disk says ENOSPC. */
function fill(dir: string): void {
  assert.throws(() => {
    writeFileSync(join(dir, 'filler'), Buffer.alloc(64 * 1024 * 1024));
  }, /ENOSPC/);
}

/** The CLI against the sandbox, its runs kept in `journalDir`. */
function drillIn(journalDir: string) {
  return (args: string[]) =>
    spawnSync(cli, [...args, '--journal-dir', journalDir, '--kubeconfig', adminKubeconfig], {
      encoding: 'utf8',
      env,
      timeout: 120_000,
    });
}

/** A run that cordons a zone and fails, leaving the cordon for a rollback. */
const CORDON_THEN_FAIL = [
  'run',
  `${repoRoot}test/fixtures/runbooks/e2e/cordon-then-fail.yaml`,
  '--yes',
  '--rollback',
  'never',
];

/** Starts the drill, breaks its journal with `fault` once the nap step has started, and waits for its end. */
async function breakMidRun(journalDir: string, fault: (runDir: string) => void) {
  const child = spawn(cli, ['run', runbook, '--yes', '--journal-dir', journalDir, '--kubeconfig', adminKubeconfig], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const napping = (event: RunEvent) => event.type === 'step.started' && event.step === 'nap';
  const runDir = await waitFor(
    'the drill to start its nap',
    () => {
      const dir = readdirSync(journalDir).find((name) => name.startsWith('journal-faults-'));
      const found = dir === undefined ? undefined : join(journalDir, dir);
      return Promise.resolve(found !== undefined && journal(found).some(napping) && found);
    },
    120_000,
  );
  const changesJournaled = journal(runDir).filter((e) => e.type === 'undo.recorded').length;
  fault(runDir);
  const status = await exited;
  return { status, stdout, stderr, runDir, changesJournaled };
}

describe('a journal that cannot be written', () => {
  let weightsBefore: number[];
  before(async () => {
    weightsBefore = await routeWeights();
  });
  afterEach(uncordonAll);
  after(() => {
    for (const dir of mounts) spawnSync('umount', [dir]);
  });

  test('a journal disk that fills mid-run: the run stops, rolls back, says why', async () => {
    const disk = tmpfs('512k');
    const run = await breakMidRun(disk, () => {
      fill(disk);
    });
    const journalFile = join(run.runDir, 'journal.jsonl');
    assert.equal(run.status, 1, `exit ${String(run.status)}: ${run.stderr}`);
    assert.ok(run.changesJournaled >= 2, 'the drill had changed the route and cordoned nodes');
    assert.match(
      run.stderr,
      new RegExp(
        `cannot write the journal ${journalFile}: ENOSPC: no space left on device: the run stopped before its ` +
          `next change and rolled back ${String(run.changesJournaled)} changes`,
      ),
    );
    assert.ok(!run.stderr.includes('cordon-more'), `the step after the failure never started:\n${run.stderr}`);
    assert.deepEqual(await cordonedNodes(), []);
    assert.deepEqual(await routeWeights(), weightsBefore);
    // Every line of the journal is a whole event; report.json is whole or absent.
    for (const line of readFileSync(journalFile, 'utf8').split('\n').slice(0, -1)) JSON.parse(line);
    const report = join(run.runDir, 'report.json');
    if (existsSync(report)) JSON.parse(readFileSync(report, 'utf8'));
    else assert.match(run.stderr, /cannot write the report .*report\.json: ENOSPC: no space left on device/);
    assert.match(run.stdout, /^\(run\) +aborted /m);
  });

  test('the journal folder removed mid-run: the run stops, rolls back, says why', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const run = await breakMidRun(journalDir, (runDir) => {
      rmSync(runDir, { recursive: true });
    });
    assert.equal(run.status, 1, `exit ${String(run.status)}: ${run.stderr}`);
    assert.match(
      run.stderr,
      new RegExp(
        `cannot write the journal ${join(run.runDir, 'journal.jsonl')}: ENOENT: the journal file was removed.*` +
          `rolled back ${String(run.changesJournaled)} changes`,
      ),
    );
    assert.match(run.stderr, /cannot write the report .*report\.json: ENOENT: no such file or directory/);
    assert.ok(!run.stderr.includes('cordon-more'), 'the step after the failure never started');
    assert.deepEqual(await cordonedNodes(), []);
    assert.deepEqual(await routeWeights(), weightsBefore);
  });
});

describe('kubectl drill rollback with a journal that cannot be written', () => {
  afterEach(uncordonAll);
  after(() => {
    for (const dir of mounts.splice(0)) spawnSync('umount', [dir]);
  });

  test('undoes the run anyway, and says the journal and the report are missing what it did', async () => {
    const disk = tmpfs('512k');
    const drill = drillIn(disk);
    const run = drill(CORDON_THEN_FAIL);
    assert.equal(run.status, 1, run.stderr);
    assert.notDeepEqual(await cordonedNodes(), [], 'the failed run left its cordon');
    const [runId = ''] = readdirSync(disk);
    fill(disk);
    const rollback = drill(['rollback', runId]);
    assert.equal(rollback.status, 0, rollback.stderr);
    assert.deepEqual(await cordonedNodes(), []);
    assert.match(
      rollback.stderr,
      new RegExp(
        `cannot write the journal ${join(disk, runId, 'journal.jsonl')}: ENOSPC: no space left on device: ` +
          'the rollback went on; events from then on may be missing from the journal',
      ),
    );
    assert.match(rollback.stderr, /cannot write the report .*report\.json: ENOSPC: no space left on device/);
  });
});

describe('a journal dir that cannot hold runs', () => {
  after(() => {
    for (const dir of mounts.splice(0)) spawnSync('umount', [dir]);
  });

  /** With a kubeconfig of a server nobody listens at: any cluster access would fail otherwise. */
  const nowhere = join(mkdtempSync(join(tmpdir(), 'drill-nowhere-')), 'kubeconfig');
  writeFileSync(
    nowhere,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: nowhere, cluster: { server: "https://127.0.0.1:1" } }]',
      'users: [{ name: nobody, user: { token: none } }]',
      'contexts: [{ name: nowhere, context: { cluster: nowhere, user: nobody } }]',
      'current-context: nowhere',
      '',
    ].join('\n'),
  );
  const refused = (journalDir: string) =>
    spawnSync(cli, ['run', runbook, '--yes', '--journal-dir', journalDir, '--kubeconfig', nowhere], {
      encoding: 'utf8',
      env,
      timeout: 30_000,
    });

  const full = () => {
    const disk = tmpfs('64k');
    fill(disk);
    return disk;
  };
  const file = () => {
    const path = join(mkdtempSync(join(tmpdir(), 'drill-runs-')), 'runs');
    writeFileSync(path, '');
    return { dir: join(path, 'deeper'), where: path };
  };
  for (const [name, made, reason] of [
    [
      '/proc/x (once an endless loop)',
      () => ({ dir: '/proc/x', where: '/proc/x' }),
      'ENOENT: no such file or directory',
    ],
    ['a read-only file system', () => ({ dir: tmpfs('64k', ',ro'), where: '' }), 'EROFS: read-only file system'],
    ['a file in the way', file, 'ENOTDIR: .* is not a folder'],
    ['a full disk', () => ({ dir: full(), where: '' }), 'ENOSPC: no space left on device'],
  ] as const) {
    test(`${name}: refused before any cluster access, exit 2, with the reason`, () => {
      const { dir, where } = made();
      const result = refused(dir);
      assert.equal(result.status, 2, `exit ${String(result.status)}: ${result.stderr}`);
      // oclif wraps an error's lines, each behind a ›.
      const stderr = result.stderr.replace(/\s*\n ›\s*/g, ' ');
      assert.match(stderr, new RegExp(`--journal-dir ${dir} cannot hold runs: ${where}.*${reason}`));
    });
  }
});

describe('the files of a run folder', () => {
  afterEach(uncordonAll);

  test("are their owner's alone: 0600 files, 0700 folders, after a run and a rollback", () => {
    const base = mkdtempSync(join(tmpdir(), 'drill-home-'));
    // Two levels the run makes itself.
    const journalDir = join(base, 'new', 'runs');
    const drill = drillIn(journalDir);
    const run = drill(CORDON_THEN_FAIL);
    assert.equal(run.status, 1, run.stderr);
    const [runId = ''] = readdirSync(journalDir);
    const rollback = drill(['rollback', runId]);
    assert.equal(rollback.status, 0, rollback.stderr);
    const modes: Record<string, string> = {};
    const walk = (path: string): void => {
      const stat = statSync(path);
      modes[path.slice(base.length)] = (stat.mode & 0o777).toString(8);
      if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    };
    walk(join(base, 'new'));
    const runDir = `/new/runs/${runId}`;
    assert.deepEqual(modes, {
      '/new': '700',
      '/new/runs': '700',
      [runDir]: '700',
      [`${runDir}/journal.jsonl`]: '600',
      [`${runDir}/report.json`]: '600',
      [`${runDir}/runbook.yaml`]: '600',
    });
  });
});
