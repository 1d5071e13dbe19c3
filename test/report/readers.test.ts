// Report files as their readers take them, on recorded runs (test/support/journals.ts) of every
// kind: CI's JUnit schema checked by xmllint, and the HTML page as headless Chromium builds it.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UNICODE } from '../../src/report/chart.ts';
import { reportRenderer } from '../../src/report/render/registry.ts';
import { loadRun } from '../../src/report/runs.ts';
import { drainCurve, type FakeRun, writeFakeRun } from '../support/journals.ts';
import { assertSelfContained, assertValidJunit, renderInChromium } from '../support/tools.ts';

const steps: FakeRun['steps'] = [
  { id: 'drain-traffic', ms: 20_000, targetMs: 10_000, drain: { curve: drainCurve(16_000), crossedMs: 16_000 } },
  { id: 'cordon', ms: 800, targetMs: 5000 },
  { id: 'skip-me', ms: 0, status: 'skipped' },
  { id: 'drain', ms: 2500, targetMs: 30_000, status: 'failed', error: 'evicting <pod> & "x" timed out' },
  { id: 'confirm', ms: 0, targetMs: 120_000, status: 'not-run' },
];

const runs: Record<string, FakeRun> = {
  failed: { runId: 'evacuate-region-failed', startedAt: '2026-11-28T10:00:00.000Z', steps },
  killed: { runId: 'evacuate-region-killed', startedAt: '2026-11-28T11:00:00.000Z', steps, killedAfter: 0, cut: true },
};

function report(name: string) {
  const run = runs[name] ?? assert.fail(name);
  return loadRun(writeFakeRun(mkdtempSync(join(tmpdir(), 'drill-')), run)).report;
}

describe('report files as their readers take them', () => {
  for (const name of Object.keys(runs)) {
    test(`junit of a ${name} run validates against the JUnit schema, a testcase per step`, () => {
      const xml = reportRenderer('junit').render(report(name), { glyphs: UNICODE });
      assertValidJunit(xml);
      assert.equal(xml.match(/<testcase /g)?.length, steps.length);
    });
  }

  test('html of a failed run, in Chromium: the timeline, target markers, the curve and its points', () => {
    const html = reportRenderer('html').render(report('failed'), { glyphs: UNICODE });
    assertSelfContained(html);
    const { dom } = renderInChromium(html);
    assert.equal(dom.match(/class="row"/g)?.length, steps.length, 'a timeline row per step');
    assert.equal(dom.match(/<g class="target/g)?.length, 3, 'a target marker per started step with a target');
    // The drain's 30s target ends past 1.5 times the run: an arrow at the edge points to it.
    assert.match(dom, /<g class="target off-scale" data-step="drain" data-target-ms="30000">/);
    assert.match(dom, /class="bar missed" data-step="drain-traffic"/);
    assert.match(dom, /class="bar failed" data-step="drain"/);
    assert.equal(dom.match(/<circle class="point"/g)?.length, 8, 'each point of the curve');
    assert.match(dom, /99% gone at 16\.0s/);
    assert.match(dom, /evicting &lt;pod&gt; &amp; "x" timed out/);
  });

  test('html of a killed run says so, and still shows how far the drain got', () => {
    const html = reportRenderer('html').render(report('killed'), { glyphs: UNICODE });
    const { dom } = renderInChromium(html);
    assert.match(dom, /INTERRUPTED: the run stopped without finishing/);
    assert.match(dom, /class="bar interrupted" data-step="drain-traffic"/);
    assert.equal(dom.match(/<circle class="point"/g)?.length, 8);
  });
});
