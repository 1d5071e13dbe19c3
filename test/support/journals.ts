// Journals of runs that never touched a cluster, written event by event as the engine would, for
// tests of what reads run folders back (report, history): steps with given times and targets, a
// drain with its curve, answers, secrets, and runs killed part-way or cut mid-line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../../src/engine/events.ts';

export interface FakeStep {
  id: string;
  ms: number;
  targetMs?: number;
  status?: 'succeeded' | 'failed' | 'skipped' | 'not-run';
  error?: string;
  /** A traffic.drain step: its curve, and when 99% was gone. */
  drain?: { curve: [number, number][]; crossedMs: number };
  /** A manual step answered by this user. */
  answeredBy?: string;
}

export interface FakeRun {
  runbook?: string;
  runId: string;
  startedAt: string;
  steps: FakeStep[];
  params?: Record<string, string>;
  /** Leave run.finished out (the run was killed), after this many steps. */
  killedAfter?: number;
  /** End the journal with half a line, as a kill while writing leaves it. */
  cut?: boolean;
}

export function fakeEvents(run: FakeRun): RunEvent[] {
  const origin = Date.parse(run.startedAt);
  const at = (t: number) => ({ at: new Date(origin + t).toISOString(), t });
  const runbook = run.runbook ?? 'evacuate-region';
  const events: RunEvent[] = [
    {
      type: 'run.started',
      ...at(0),
      runId: run.runId,
      runbook,
      file: `runbooks/${runbook}.yaml`,
      context: 'drill-sandbox',
      params: run.params ?? { region: 'eu-west' },
      targetMs: 180_000,
      runbookSha256: '0'.repeat(64),
      steps: run.steps.map((s) => ({
        id: s.id,
        name: `Step ${s.id}`,
        action: s.drain ? 'traffic.drain' : 'sleep',
        targetMs: s.targetMs,
      })),
      rollback: [],
      spans: [
        { name: 'time-to-recover', from: run.steps[0]?.id ?? '', to: run.steps.at(-1)?.id ?? '', targetMs: 600_000 },
      ],
    },
  ];
  let t = 10;
  let failed = false;
  for (const [index, step] of run.steps.entries()) {
    if (run.killedAfter !== undefined && index > run.killedAfter) break;
    const status = step.status ?? 'succeeded';
    if (status === 'not-run') continue;
    const base = { step: step.id, phase: 'steps' as const };
    if (status === 'skipped') {
      events.push({ type: 'step.finished', ...at(t), ...base, status, durationMs: 0, targetMs: step.targetMs });
      continue;
    }
    events.push({
      type: 'step.started',
      ...at(t),
      ...base,
      name: `Step ${step.id}`,
      action: step.drain ? 'traffic.drain' : 'sleep',
      targetMs: step.targetMs,
    });
    for (const [ms, share] of step.drain?.curve ?? []) {
      events.push({
        type: 'step.progress',
        ...at(t + ms),
        step: step.id,
        message: `share ${share.toFixed(2)}`,
        data: { share, ms, source: 'prometheus' },
      });
    }
    if (step.answeredBy) {
      events.push({
        type: 'prompt.answered',
        ...at(t + step.ms / 2),
        step: step.id,
        question: 'Is the region empty?',
        answer: true,
        auto: false,
        by: step.answeredBy,
      });
    }
    if (run.killedAfter === index) return events;
    const measuredMs = step.drain?.crossedMs;
    const compared = measuredMs ?? step.ms;
    t += step.ms;
    events.push({
      type: 'step.finished',
      ...at(t),
      ...base,
      status,
      durationMs: step.ms,
      measuredMs,
      targetMs: step.targetMs,
      metTarget: step.targetMs === undefined || status !== 'succeeded' ? undefined : compared <= step.targetMs,
      outputs: step.drain
        ? {
            timeToDrain: { threshold: 0.99, ms: step.drain.crossedMs, source: 'prometheus' },
            thresholds: {
              '0.5': Math.round(step.drain.crossedMs / 2),
              '0.9': Math.round(step.drain.crossedMs * 0.8),
              '0.99': step.drain.crossedMs,
              '1': null,
            },
            curve: step.drain.curve,
          }
        : {},
      error: step.error,
    });
    t += 5;
    if (status === 'failed') {
      failed = true;
      break;
    }
  }
  if (!failed) {
    events.push({
      type: 'span.measured',
      ...at(t),
      name: 'time-to-recover',
      from: run.steps[0]?.id ?? '',
      to: run.steps.at(-1)?.id ?? '',
      targetMs: 600_000,
      ms: t - 10,
      metTarget: true,
    });
  }
  events.push({
    type: 'run.finished',
    ...at(t + 1),
    status: failed ? 'failed' : 'succeeded',
    durationMs: t + 1,
    targetMs: 180_000,
    metTarget: !failed && t + 1 <= 180_000 ? true : false,
    reason: failed ? `step "${run.steps.find((s) => s.status === 'failed')?.id ?? ''}" failed` : undefined,
  });
  return events;
}

/** Writes the run's folder under `journalDir`; returns its path. */
export function writeFakeRun(journalDir: string, run: FakeRun): string {
  const dir = join(journalDir, run.runId);
  mkdirSync(dir, { recursive: true });
  const lines = fakeEvents(run).map((event) => JSON.stringify(event));
  const text = `${lines.join('\n')}\n${run.cut ? '{"type":"step.progress","at":"2026-' : ''}`;
  writeFileSync(join(dir, 'journal.jsonl'), text);
  return dir;
}

/** A drain that loses its traffic over `ms`: eight samples, then none left. */
export function drainCurve(ms: number): [number, number][] {
  return [0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1].map((f) => [
    Math.round(f * ms),
    Math.max(0, Math.round((1 - f * 1.01) * 100) / 100),
  ]);
}
