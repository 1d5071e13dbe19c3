// The report formats, as pure functions of journals written by test/support/journals.ts: what each
// shows for a run that passed, missed a target, failed, or was killed mid-step with its journal
// cut mid-line.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ASCII, curveChart, shareBar, sparkline, UNICODE } from '../../src/report/chart.ts';
import { ReportBuilder } from '../../src/report/model.ts';
import { reportRenderer, reportRenderers } from '../../src/report/render/registry.ts';
import { loadRun } from '../../src/report/runs.ts';
import { renderClosing } from '../../src/report/summary.ts';
import { verdictOf } from '../../src/report/verdict.ts';
import { drainCurve, fakeEvents, type FakeRun, writeFakeRun } from '../support/journals.ts';

const options = { glyphs: UNICODE };

const passing: FakeRun = {
  runId: 'evacuate-region-1',
  startedAt: '2026-11-28T10:00:00.000Z',
  steps: [
    { id: 'drain-traffic', ms: 20_000, targetMs: 60_000, drain: { curve: drainCurve(16_000), crossedMs: 16_000 } },
    { id: 'cordon', ms: 800, targetMs: 5000 },
    { id: 'confirm', ms: 4000, targetMs: 120_000, answeredBy: 'alice' },
  ],
};

const missing: FakeRun = {
  ...passing,
  runId: 'evacuate-region-2',
  steps: [
    { id: 'drain-traffic', ms: 20_000, targetMs: 10_000, drain: { curve: drainCurve(16_000), crossedMs: 16_000 } },
    { id: 'cordon', ms: 800, targetMs: 5000, status: 'failed', error: 'nodes "x" is forbidden' },
    { id: 'confirm', ms: 0, targetMs: 120_000, status: 'not-run' },
  ],
};

function reportOf(run: FakeRun) {
  const builder = new ReportBuilder();
  for (const event of fakeEvents(run)) builder.handle(event);
  return builder.report;
}

describe('report model', () => {
  test('keeps each drain curve, each answer with who gave it, and each step start and end offset', () => {
    const report = reportOf(passing);
    assert.deepEqual(
      report.curves.map((c) => [c.step, c.threshold, c.crossedMs, c.points.length]),
      [['drain-traffic', 0.99, 16_000, 8]],
    );
    assert.deepEqual(
      report.answers.map((a) => [a.step, a.answer, a.by, a.auto]),
      [['confirm', true, 'alice', false]],
    );
    assert.deepEqual(
      report.steps.map((s) => [s.startMs, s.endMs]),
      [
        [10, 20_010],
        [20_015, 20_815],
        [20_820, 24_820],
      ],
    );
  });

  test('a killed run reads as interrupted, its running step too; a cut last line is left out', () => {
    const dir = writeFakeRun(mkdtempSync(join(tmpdir(), 'drill-')), { ...passing, killedAfter: 0, cut: true });
    const { report } = loadRun(dir);
    assert.equal(report.status, 'interrupted');
    assert.equal(report.unfinished?.journalCut, true);
    assert.equal(report.steps[0]?.status, 'interrupted');
    assert.equal(report.steps[1]?.status, 'not-run');
    // The curve still shows how far the drain got, from its sampled progress.
    assert.equal(report.curves[0]?.points.length, 8);
    assert.match(verdictOf(report), /^INTERRUPTED: the run stopped without finishing/);
    for (const renderer of reportRenderers) assert.ok(renderer.render(report, options).length > 0, renderer.name);
  });

  test('a secret the kept runbook marks, or a URL credential, never reaches a report', () => {
    const dir = writeFakeRun(mkdtempSync(join(tmpdir(), 'drill-')), {
      ...missing,
      params: { region: 'eu-west', hook: 'https://bot:hunter2@hooks.example' },
      steps: missing.steps.map((s) => (s.error ? { ...s, error: 'token s3cr3t-pager-token refused' } : s)),
    });
    writeFileSync(
      join(dir, 'runbook.yaml'),
      'spec:\n  params:\n    pagerToken: { secret: true, default: s3cr3t-pager-token }\n',
    );
    const text = reportRenderers.map((r) => r.render(loadRun(dir).report, options)).join('\n');
    assert.doesNotMatch(text, /hunter2|s3cr3t-pager-token/);
    assert.match(text, /token \*\*\* refused/);
    assert.match(text, /bot:\*\*\*@/);
  });
});

describe('report formats', () => {
  test('the registry has one renderer per -o name', () => {
    assert.deepEqual(
      reportRenderers.map((r) => r.name),
      ['text', 'md', 'json', 'junit', 'html'],
    );
    assert.throws(() => reportRenderer('pdf'), /no report format "pdf"/);
  });

  test('text: verdict, the summary table, the answers and the drain chart', () => {
    const text = reportRenderer('text').render(reportOf(passing), options);
    assert.match(text, /^PASSED: every step succeeded and met its target/m);
    assert.match(text, /^drain-traffic +succeeded +20\.0s \(measured 16\.0s\) +1m00s +yes$/m);
    assert.match(text, /confirm: Is the region empty\? -> yes \(alice\)/);
    assert.match(text, /drain-traffic: remaining traffic share \(prometheus; 99% gone in 16\.0s\)/);
    assert.match(text, /▲ 99% gone at 16\.0s/);
  });

  test('md: a retrospective with the timeline, targets, answers, failures and follow-ups', () => {
    const md = reportRenderer('md').render(reportOf(missing), options);
    assert.match(md, /^# Drill retrospective: evacuate-region$/m);
    assert.match(md, /^## Timeline$/m);
    assert.match(md, /^\| 10:00:00\.0 \| \+0ms \| run `evacuate-region-2` started/m);
    assert.match(md, /`drain-traffic` succeeded in 20\.0s \(measured 16\.0s\), target 10\.0s: \*\*missed\*\*/);
    assert.match(md, /^\| `cordon` \| Step cordon \| .* \| \*\*failed\*\* \|$/m);
    assert.match(md, /^- `cordon` failed after 800ms: nodes "x" is forbidden$/m);
    assert.match(md, /^- \[ \] Missed target: drain-traffic 16\.0s \(target 10\.0s\)$/m);
    assert.match(
      md,
      /\*\*Time to drain 99%\*\* \(`drain-traffic`, measured by prometheus\): 16\.0s against a target of 10\.0s \(50% at 8\.0s, 90% at 12\.8s, 99% at 16\.0s, 100% at never\)/,
    );
    const withAnswer = reportRenderer('md').render(reportOf(passing), options);
    assert.match(withAnswer, /^\| \d{4}-\d\d-\d\d [\d:]+Z \| `confirm` \| Is the region empty\? \| yes \| alice \|$/m);
  });

  test('junit: a testcase per step; failed and missed are failures, not run is skipped', () => {
    const xml = reportRenderer('junit').render(reportOf(missing), options);
    assert.equal(xml.match(/<testcase /g)?.length, 3);
    assert.match(
      xml,
      /<testsuite name="evacuate-region" id="evacuate-region-2" package="kubectl-drill" tests="3" failures="2" errors="0" skipped="1"/,
    );
    assert.match(xml, /<failure type="missed-target" message="missed its target: 16\.0s against 10\.0s">/);
    assert.match(xml, /<failure type="failed" message="failed: nodes &quot;x&quot; is forbidden">/);
    assert.match(xml, /<skipped message="not run: the run ended before this step"\/>/);
    assert.match(xml, /timestamp="2026-11-28T10:00:00"/);
  });

  test('html: one page with the timeline, target markers, the curve and its crossing, nothing fetched', () => {
    const html = reportRenderer('html').render(reportOf(missing), options);
    assert.equal(html.match(/<rect class="bar /g)?.length, 2, 'a bar per step that ran');
    assert.match(html, /<rect class="bar missed" data-step="drain-traffic"/);
    assert.match(html, /<rect class="bar failed" data-step="cordon"/);
    assert.match(html, /<text class="bar not-run" data-step="confirm"/);
    assert.equal(html.match(/<g class="target" /g)?.length, 2, 'a marker per started step with a target');
    assert.equal(html.match(/<circle class="point" /g)?.length, 8, 'every point of the curve');
    assert.match(html, /<g class="crossing" data-ms="16000">/);
    assert.match(html, /<g class="threshold" data-threshold="0.99">/);
    assert.match(html, /@media print/);
    assert.doesNotMatch(html, /\b(src|href)=|url\(|<script/);
  });
});

describe('terminal charts and the run summary', () => {
  test('share bars and sparklines in Unicode and ASCII', () => {
    assert.equal(shareBar(0.39, 10), '████░░░░░░ 39%');
    assert.equal(shareBar(0.39, 10, ASCII), '####------ 39%');
    assert.equal(sparkline([1, 0.5, 0], UNICODE, { min: 0, max: 1 }), '█▅▁');
  });

  test('the curve chart marks where the threshold was crossed', () => {
    const lines = curveChart(drainCurve(16_000), {
      width: 40,
      height: 4,
      glyphs: ASCII,
      threshold: 0.99,
      crossedMs: 16_000,
    });
    assert.equal(lines.length, 6);
    assert.match(lines[0] ?? '', /^100% \|#/);
    assert.match(lines.at(-1) ?? '', /\^ 99% gone at 16\.0s/);
  });

  test('the run summary ends with the verdict, the time-to-drain and the report command', () => {
    const report = reportOf(passing);
    assert.deepEqual(renderClosing(report, '/home/a/.kube/drill/runs/evacuate-region-1', '/home/a/.kube/drill/runs'), [
      'PASSED: every step succeeded and met its target, in 24.8s (target 3m00s)',
      'time-to-drain 99%: 16.0s (drain-traffic, prometheus)',
      'full report: kubectl drill report evacuate-region-1  (-o md|html|junit|json)',
    ]);
    assert.match(
      renderClosing(report, '/tmp/runs/evacuate-region-1', '/home/a/.kube/drill/runs')[2] ?? '',
      /report evacuate-region-1 --journal-dir \/tmp\/runs /,
    );
  });
});
