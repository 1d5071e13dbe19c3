// History over recorded runs (journals written by test/support/journals.ts): a planted regression
// is flagged, a steady series with ordinary jitter is not, and the formats show both.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UNICODE } from '../../src/report/chart.ts';
import { historiesOf, regressionOf } from '../../src/report/history/model.ts';
import { historyRenderer } from '../../src/report/history/registry.ts';
import { loadRun, runDirsIn } from '../../src/report/runs.ts';
import { drainCurve, writeFakeRun } from '../support/journals.ts';

/** Seven runs a day apart; the drain takes `drains[i]` ms to cross 99%. */
function recordRuns(drains: number[], cordons: number[]): string {
  const journalDir = mkdtempSync(join(tmpdir(), 'drill-history-'));
  drains.forEach((ms, index) => {
    writeFakeRun(journalDir, {
      runId: `evacuate-region-${index + 1}`,
      startedAt: new Date(Date.UTC(2026, 10, 1 + index, 10)).toISOString(),
      steps: [
        { id: 'drain-traffic', ms: ms + 3000, targetMs: 60_000, drain: { curve: drainCurve(ms), crossedMs: ms } },
        { id: 'cordon', ms: cordons[index] ?? 800, targetMs: 5000 },
      ],
    });
  });
  return journalDir;
}

function historyIn(journalDir: string) {
  return historiesOf(runDirsIn(journalDir).map((dir) => loadRun(dir).report));
}

describe('kubectl drill history', () => {
  test('a drain 32% slower than the median of its last five runs is a regression', () => {
    const [history] = historyIn(recordRuns([15_000, 16_000, 15_500, 14_800, 15_200, 15_900, 20_500], []));
    assert.ok(history);
    const last = history.runs.at(-1);
    assert.deepEqual(
      last?.regressions.map((r) => [r.key, r.ms, r.medianMs]),
      [
        ['step:drain-traffic', 20_500, 15_500],
        ['time-to-drain:drain-traffic', 20_500, 15_500],
        // The span and the whole run hold the slower drain.
        ['span:time-to-recover', 24_310, 19_310],
        ['run', 24_321, 19_321],
      ],
    );
    assert.ok(history.runs.slice(0, -1).every((run) => run.regressions.length === 0));
    assert.equal(history.trends.find((t) => t.key === 'time-to-drain:drain-traffic')?.regression, true);

    const text = historyRenderer('text').render([history], { glyphs: UNICODE });
    assert.match(text, /^evacuate-region: 7 runs, oldest first$/m);
    assert.match(text, /^evacuate-region-7 .* 20\.5s! /m);
    assert.match(
      text,
      /evacuate-region-7: time-to-drain 99% \(drain-traffic\) took 20\.5s, 32% slower than the median/,
    );
    const html = historyRenderer('html').render([history], { glyphs: UNICODE });
    assert.equal(html.match(/<svg class="chart trend"/g)?.length, history.columns.length, 'a trend chart per column');
    assert.equal(html.match(/<circle class="run regression"/g)?.length, 4);
  });

  test('a table wider than the terminal turns on its side, keeping the latest runs that fit', () => {
    const [history] = historyIn(recordRuns([15_000, 16_000, 15_500, 14_800, 15_200, 15_900, 20_500], []));
    assert.ok(history);
    const wide = historyRenderer('text').render([history], { glyphs: UNICODE });
    const widest = Math.max(...wide.split('\n').map((line) => line.length));
    assert.equal(historyRenderer('text').render([history], { glyphs: UNICODE, width: widest }), wide);

    const text = historyRenderer('text').render([history], { glyphs: UNICODE, width: 80 });
    // The table keeps to the width; the regressions under it are prose, which a terminal wraps.
    const tableLines = text.split('\n\nREGRESSIONS')[0]?.split('\n') ?? [];
    assert.ok(
      tableLines.every((line) => line.length <= 80),
      text,
    );
    assert.match(text, /^MEASURE +#5 +#6 +#7 +TARGET +TREND$/m);
    assert.match(text, /^drain-traffic +15\.2s +15\.9s +20\.5s! +1m00s +\S+ \+32%$/m);
    assert.match(text, /^ +#7 +evacuate-region-7 +2026-11-07 10:00 +succeeded$/m);
    assert.match(text, /^ +\(#1 to #4 left out for the terminal's width; -o json has every run\)$/m);
    assert.match(text, /evacuate-region-7: time-to-drain 99% \(drain-traffic\) took 20\.5s/);
    assert.doesNotMatch(text, /^RUN +STARTED/m);
  });

  test('a steady series with ordinary jitter is not flagged, nor is a sub-second step', () => {
    const [history] = historyIn(
      recordRuns([15_000, 16_000, 15_500, 14_800, 15_200, 15_900, 16_400], [800, 700, 750, 800, 760, 790, 1100]),
    );
    assert.ok(history);
    assert.deepEqual(
      history.runs.flatMap((run) => run.regressions),
      [],
    );
    assert.match(historyRenderer('text').render([history], { glyphs: UNICODE }), /^no regression$/m);
    const json = JSON.parse(historyRenderer('json').render([history], { glyphs: UNICODE })) as { runs: unknown[] }[];
    assert.equal(json[0]?.runs.length, 7);
  });

  test('two earlier runs are no trend yet; the median is of the last five only', () => {
    assert.equal(regressionOf(30_000, [10_000, 10_000]).regression, false);
    assert.deepEqual(regressionOf(13_000, [50_000, 10_000, 10_000, 10_000, 10_000, 10_000]), {
      regression: true,
      medianMs: 10_000,
    });
  });

  test('a single copied run folder works as a journal dir', () => {
    const journalDir = recordRuns([15_000, 16_000], []);
    const [history] = historyIn(join(journalDir, 'evacuate-region-2'));
    assert.deepEqual(
      history?.runs.map((r) => r.runId),
      ['evacuate-region-2'],
    );
  });
});
