import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RunEvent } from '../../src/engine/events.ts';
import { formatElapsed } from '../../src/report/format.ts';
import { ReportBuilder } from '../../src/report/model.ts';
import { renderSummary } from '../../src/report/summary.ts';
import { describeEvent } from '../../src/ui/plain.ts';

const at = (t: number) => ({ at: new Date(Date.UTC(2026, 10, 22, 3, 0, 0) + t).toISOString(), t });

const events: RunEvent[] = [
  {
    type: 'run.started',
    ...at(0),
    runId: 'drill-1',
    runbook: 'drill',
    file: 'drill.yaml',
    context: 'ctx',
    params: { region: 'eu-west' },
    targetMs: 60_000,
    runbookSha256: 'a'.repeat(64),
    steps: [
      { id: 'cordon', name: 'Cordon', action: 'nodes.cordon', targetMs: 1000 },
      { id: 'wait', name: 'Wait', action: 'sleep', targetMs: 100 },
      { id: 'never', name: 'Never', action: 'sleep' },
    ],
    rollback: [{ id: 'undo', name: 'Undo', action: 'nodes.uncordon' }],
  },
  {
    type: 'step.started',
    ...at(5),
    step: 'cordon',
    phase: 'steps',
    name: 'Cordon',
    action: 'nodes.cordon',
    targetMs: 1000,
  },
  {
    type: 'undo.recorded',
    ...at(8),
    id: 1,
    step: 'cordon',
    phase: 'steps',
    change: {
      type: 'fields',
      object: { apiVersion: 'v1', kind: 'Node', name: 'a', uid: 'u-a' },
      fields: [{ path: '/spec/unschedulable', before: null, after: true }],
    },
  },
  { type: 'step.progress', ...at(10), step: 'cordon', message: 'cordoned a' },
  {
    type: 'step.finished',
    ...at(405),
    step: 'cordon',
    phase: 'steps',
    status: 'succeeded',
    durationMs: 400,
    targetMs: 1000,
    metTarget: true,
    outputs: { nodes: ['a'] },
  },
  { type: 'step.started', ...at(410), step: 'wait', phase: 'steps', name: 'Wait', action: 'sleep', targetMs: 100 },
  {
    type: 'step.finished',
    ...at(2410),
    step: 'wait',
    phase: 'steps',
    status: 'failed',
    durationMs: 2000,
    targetMs: 100,
    error: 'timed out after 2s',
  },
  {
    type: 'rollback.started',
    ...at(2415),
    reason: 'step "wait" failed',
    steps: [{ id: 'undo', name: 'Undo', action: 'nodes.uncordon' }],
    records: [1],
  },
  { type: 'step.started', ...at(2420), step: 'undo', phase: 'rollback', name: 'Undo', action: 'nodes.uncordon' },
  { type: 'step.finished', ...at(2500), step: 'undo', phase: 'rollback', status: 'succeeded', durationMs: 80 },
  {
    type: 'undo.finished',
    ...at(2505),
    id: 1,
    step: 'cordon',
    result: 'unchanged',
    lines: ['Node a /spec/unschedulable: already (absent)'],
    durationMs: 4,
  },
  {
    type: 'rollback.finished',
    ...at(2506),
    status: 'succeeded',
    durationMs: 91,
    counts: { restored: 0, unchanged: 1, conflict: 0, irreversible: 0, failed: 0 },
  },
  {
    type: 'run.finished',
    ...at(2510),
    status: 'failed',
    durationMs: 2510,
    targetMs: 60_000,
    metTarget: false,
    reason: 'step "wait" failed',
  },
];

describe('ReportBuilder', () => {
  test('folds the events into report.json', () => {
    const builder = new ReportBuilder();
    for (const event of events) builder.handle(event);
    const report = builder.report;
    assert.equal(report.status, 'failed');
    assert.equal(report.durationMs, 2510);
    assert.equal(report.startedAt, '2026-11-22T03:00:00.000Z');
    assert.equal(report.finishedAt, '2026-11-22T03:00:02.510Z');
    assert.deepEqual(
      report.steps.map((s) => [s.phase, s.id, s.status, s.durationMs, s.metTarget]),
      [
        ['steps', 'cordon', 'succeeded', 400, true],
        ['steps', 'wait', 'failed', 2000, undefined],
        ['steps', 'never', 'not-run', 0, undefined],
        ['rollback', 'undo', 'succeeded', 80, undefined],
      ],
    );
    assert.deepEqual(report.steps[0]?.outputs, { nodes: ['a'] });
    assert.equal(report.steps[1]?.error, 'timed out after 2s');
    assert.equal(report.recordedChanges, 1);
    assert.equal(report.rollback?.status, 'succeeded');
    assert.deepEqual(
      report.rollback?.undone.map((u) => [u.id, u.result]),
      [[1, 'unchanged']],
    );
  });

  test("a drain step's timeToDrain output becomes the report's timeToDrain", () => {
    const builder = new ReportBuilder();
    builder.handle(events[0] as RunEvent);
    builder.handle({
      type: 'step.finished',
      ...at(41_000),
      step: 'cordon',
      phase: 'steps',
      status: 'succeeded',
      durationMs: 45_000,
      measuredMs: 41_000,
      targetMs: 60_000,
      metTarget: true,
      outputs: { timeToDrain: { threshold: 0.99, ms: 41_000, source: 'prometheus' } },
    });
    assert.deepEqual(builder.report.timeToDrain, [
      { step: 'cordon', threshold: 0.99, ms: 41_000, source: 'prometheus' },
    ]);
    assert.match(renderSummary(builder.report), /^time-to-drain 99% \(cordon, prometheus\): 41\.0s$/m);
    assert.match(renderSummary(builder.report), /^cordon +succeeded +45\.0s \(measured 41\.0s\) +1m00s +yes$/m);
  });

  test('a report before run.started is an error, not an empty report', () => {
    assert.throws(() => new ReportBuilder().report, /no run.started/);
  });
});

describe('summary and lines', () => {
  test('the summary table has a row per step and one for the run', () => {
    const builder = new ReportBuilder();
    for (const event of events) builder.handle(event);
    const lines = renderSummary(builder.report).split('\n');
    assert.match(lines[0] ?? '', /^STEP +STATUS +TIME +TARGET +MET$/);
    assert.match(lines[1] ?? '', /^cordon +succeeded +400ms +1\.0s +yes$/);
    assert.match(lines[2] ?? '', /^wait +failed +2\.0s +100ms +-$/);
    assert.match(lines[4] ?? '', /^rollback: undo +succeeded +80ms/);
    assert.match(lines[5] ?? '', /^\(run\) +failed +2\.5s +1m00s +NO$/);
    assert.ok(lines.includes('reason: step "wait" failed'));
    assert.equal(
      lines.at(-2),
      'rollback (step "wait" failed): succeeded in 91ms: 0 restored, 1 already as before, 0 conflicts, ' +
        '0 cannot be undone, 0 failed',
    );
    assert.match(lines.at(-1) ?? '', /^ {2}unchanged +Node a \/spec\/unschedulable: already \(absent\)$/);
  });

  test('elapsed times read like a clock', () => {
    assert.deepEqual([850, 12_340, 245_000, 3_720_000].map(formatElapsed), ['850ms', '12.3s', '4m05s', '1h02m']);
  });

  test('plain lines carry the run clock and what happened', () => {
    assert.equal(describeEvent(events[6] as RunEvent), '[  2.4s] wait failed in 2.0s: timed out after 2s');
    assert.equal(
      describeEvent(events[2] as RunEvent),
      '[   8ms]   cordon: about to change #1: Node a: /spec/unschedulable (absent) -> true',
    );
    assert.equal(describeEvent(events[1] as RunEvent), '[   5ms] cordon: Cordon (target 1.0s)');
  });
});
