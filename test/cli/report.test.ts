// `kubectl drill report` and `history` end to end: the demo drill (runbooks/evacuate-region.yaml)
// run twice against the sandbox, then its reports as CI, a browser, a retrospective and the
// history read them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatElapsed } from '../../src/report/format.ts';
import type { Report } from '../../src/report/model.ts';
import { cli, uncordonAll } from '../support/cli.ts';
import { adminKubeconfig, repoRoot, sandboxDir } from '../support/paths.ts';
import { assertSelfContained, assertValidJunit, renderInChromium } from '../support/tools.ts';

const env = { ...process.env, CI: 'true', LANG: 'C.UTF-8' };

function drill(args: string[]) {
  return spawnSync(cli, args, { encoding: 'utf8', env, timeout: 180_000 });
}

describe('kubectl drill report and history after two demo drills', () => {
  const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
  const runIds: string[] = [];

  before(() => {
    const { prometheusURL } = JSON.parse(readFileSync(join(sandboxDir, 'ready'), 'utf8')) as { prometheusURL: string };
    for (let i = 0; i < 2; i++) {
      const run = drill([
        'run',
        `${repoRoot}runbooks/evacuate-region.yaml`,
        '--yes',
        '--kubeconfig',
        adminKubeconfig,
        '--journal-dir',
        journalDir,
        '--set',
        `prometheus=${prometheusURL}`,
      ]);
      assert.ok([0, 3].includes(run.status ?? -1), `exit ${run.status}: ${run.stderr}`);
      const ids = readdirSync(journalDir);
      const runId = ids.find((id) => !runIds.includes(id)) ?? assert.fail('no new run folder');
      runIds.push(runId);
      // The summary ends with the verdict, the time-to-drain and the command for the full report.
      const tail = run.stdout.trimEnd().split('\n').slice(-3);
      assert.match(tail[0] ?? '', /^PASSED/);
      assert.match(tail[1] ?? '', /^time-to-drain 99%: [\d.]+s \(drain-traffic, prometheus\)$/);
      assert.equal(
        tail[2],
        `full report: kubectl drill report ${runId} --journal-dir ${journalDir}  (-o md|html|junit|json)`,
      );
      // The plain view draws the falling share, not a line per sample.
      assert.match(run.stderr, /drain-traffic: remaining share █+░* \d+%/);
      assert.match(run.stderr, /drain-traffic succeeded in [\d.]+s \(drained in [\d.]+s\)/);
    }
  });

  after(uncordonAll);

  test('report -o junit validates, with one testcase per step', () => {
    const result = drill(['report', '--journal-dir', journalDir, '-o', 'junit']);
    assert.equal(result.status, 0, result.stderr);
    assertValidJunit(result.stdout);
    assert.equal(result.stdout.match(/<testcase /g)?.length, 9);
    assert.match(result.stdout, new RegExp(`id="${runIds[1] ?? ''}"`), 'the latest run by default');
  });

  test('report -o html is one file with no URL, showing the timeline and the curve in Chromium', () => {
    const result = drill(['report', runIds[0] ?? '', '--journal-dir', journalDir, '-o', 'html']);
    assert.equal(result.status, 0, result.stderr);
    assertSelfContained(result.stdout);
    const { dom } = renderInChromium(result.stdout);
    assert.equal(dom.match(/<g class="row"/g)?.length, 9, 'a timeline row per step');
    assert.equal(dom.match(/<g class="target/g)?.length, 9, 'a target marker per step');
    const json = JSON.parse(
      drill(['report', runIds[0] ?? '', '--journal-dir', journalDir, '-o', 'json']).stdout,
    ) as Report;
    const points = json.curves.find((c) => c.step === 'drain-traffic')?.points ?? [];
    assert.ok(points.length >= 3, 'the drain was sampled');
    assert.equal(dom.match(/<circle class="point"/g)?.length, points.length, "every point of the drain's curve");
    assert.match(dom, /<g class="crossing" data-ms="\d+">/);
  });

  test('report -o md is a retrospective with the timeline', () => {
    const result = drill(['report', join(journalDir, runIds[1] ?? ''), '-o', 'md']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^## Timeline$/m);
    assert.match(result.stdout, /^\| [\d:.]+ \| \+[\d.]+m?s \| `drain-traffic` succeeded in/m);
    assert.match(
      result.stdout,
      /^\| .* \| `confirm-region-empty` \| Is eu-west serving no requests.* \| yes \| \S+ \(--yes\) \|$/m,
    );
    assert.match(result.stdout, /\*\*Time to drain 99%\*\*/);
  });

  test('history lists both runs with their time-to-drain', () => {
    const result = drill(['history', 'evacuate-region', '--journal-dir', journalDir]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^evacuate-region: 2 runs, oldest first$/m);
    const header = result.stdout.split('\n').find((line) => line.startsWith('RUN')) ?? '';
    assert.match(header, /time-to-drain 99% \(drain-traffic\)/);
    for (const runId of runIds) {
      const json = JSON.parse(drill(['report', runId, '--journal-dir', journalDir, '-o', 'json']).stdout) as Report;
      const ttd = json.timeToDrain[0]?.ms ?? assert.fail('no time-to-drain');
      const row =
        result.stdout.split('\n').find((line) => line.startsWith(runId)) ?? assert.fail(`no row for ${runId}`);
      assert.ok(row.includes(` ${formatElapsed(ttd)} `), `${row} shows ${formatElapsed(ttd)}`);
    }
  });

  test('an unknown run is refused, naming the latest runs', () => {
    const result = drill(['report', 'no-such-run', '--journal-dir', journalDir]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no run "no-such-run"/);
  });
});
