// Many runs of one runbook side by side: a row per run, a column per measure (each step's time as
// its target sees it, each time-to-drain, each span, the whole run), and each column's trend. A
// value is a regression when it is more than REGRESSION_RATIO slower than the median of the same
// column over the runs before it (at most LOOKBACK of them, and at least MIN_PRIOR, so two runs
// are not yet a trend), and slower by at least NOISE_FLOOR_MS (a 40ms step taking 60ms is not
// news). Only succeeded values count: a failed step's time measures its failure, not its speed.
import type { Report } from '../model.ts';
import { comparedMs } from '../verdict.ts';

export const REGRESSION_RATIO = 1.2;
export const LOOKBACK = 5;
export const MIN_PRIOR = 3;
export const NOISE_FLOOR_MS = 500;

export interface HistoryColumn {
  key: string;
  kind: 'step' | 'time-to-drain' | 'span' | 'run';
  label: string;
  targetMs?: number;
}

export interface HistoryRun {
  runId: string;
  startedAt: string;
  status: string;
  /** Each column's value in ms, where this run has one. */
  values: Record<string, number | undefined>;
  /** Columns where this run regressed, with the median it is compared with. */
  regressions: { key: string; ms: number; medianMs: number }[];
}

export interface Trend {
  key: string;
  latestMs?: number;
  /** Median of the runs before the latest one (up to LOOKBACK). */
  medianMs?: number;
  /** Latest against that median, as a fraction: 0.25 is 25% slower. */
  change?: number;
  regression: boolean;
}

export interface History {
  runbook: string;
  columns: HistoryColumn[];
  /** Oldest first. */
  runs: HistoryRun[];
  trends: Trend[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The columns, in the order of the latest run's steps, then what older runs had and it has not. */
function columnsOf(reports: readonly Report[]): HistoryColumn[] {
  const columns = new Map<string, HistoryColumn>();
  for (const report of [...reports].reverse()) {
    for (const step of report.steps) {
      if (step.phase !== 'steps' || columns.has(`step:${step.id}`)) continue;
      columns.set(`step:${step.id}`, { key: `step:${step.id}`, kind: 'step', label: step.id, targetMs: step.targetMs });
    }
  }
  for (const report of [...reports].reverse()) {
    for (const drain of report.timeToDrain) {
      const key = `time-to-drain:${drain.step}`;
      if (!columns.has(key)) {
        const targetMs = report.steps.find((s) => s.id === drain.step)?.targetMs;
        columns.set(key, {
          key,
          kind: 'time-to-drain',
          label: `time-to-drain ${drain.threshold * 100}% (${drain.step})`,
          targetMs,
        });
      }
    }
    for (const span of report.spans) {
      const key = `span:${span.name}`;
      if (!columns.has(key)) columns.set(key, { key, kind: 'span', label: span.name, targetMs: span.targetMs });
    }
  }
  columns.set('run', { key: 'run', kind: 'run', label: '(run)', targetMs: reports.at(-1)?.targetMs });
  return [...columns.values()];
}

function valuesOf(report: Report): Record<string, number | undefined> {
  const values: Record<string, number | undefined> = {};
  for (const step of report.steps) {
    if (step.phase === 'steps' && step.status === 'succeeded') values[`step:${step.id}`] = comparedMs(step);
  }
  for (const drain of report.timeToDrain) values[`time-to-drain:${drain.step}`] = drain.ms;
  for (const span of report.spans) if (span.ms !== undefined) values[`span:${span.name}`] = span.ms;
  if (report.status === 'succeeded') values.run = report.durationMs;
  return values;
}

/** Whether `ms` regressed against the values before it; the median compared with, if any. */
export function regressionOf(ms: number, before: readonly number[]): { regression: boolean; medianMs?: number } {
  const prior = before.slice(-LOOKBACK);
  if (prior.length < MIN_PRIOR) return { regression: false };
  const medianMs = median(prior);
  return { regression: ms > medianMs * REGRESSION_RATIO && ms - medianMs >= NOISE_FLOOR_MS, medianMs };
}

/** The history of the reports of one runbook, whatever order they come in. */
export function historyOf(runbook: string, reports: readonly Report[]): History {
  const sorted = [...reports].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const columns = columnsOf(sorted);
  const seen = new Map<string, number[]>(columns.map((c) => [c.key, []]));
  const runs: HistoryRun[] = sorted.map((report) => {
    const values = valuesOf(report);
    const regressions: HistoryRun['regressions'] = [];
    for (const column of columns) {
      const ms = values[column.key];
      if (ms === undefined) continue;
      const before = seen.get(column.key) ?? [];
      const { regression, medianMs } = regressionOf(ms, before);
      if (regression && medianMs !== undefined) regressions.push({ key: column.key, ms, medianMs });
      before.push(ms);
    }
    return { runId: report.runId, startedAt: report.startedAt, status: report.status, values, regressions };
  });
  const trends = columns.map((column): Trend => {
    const series = runs.flatMap((run) =>
      run.values[column.key] === undefined ? [] : [run.values[column.key] as number],
    );
    const latestMs = series.at(-1);
    const prior = series.slice(0, -1).slice(-LOOKBACK);
    if (latestMs === undefined || prior.length === 0) return { key: column.key, latestMs, regression: false };
    const medianMs = median(prior);
    return {
      key: column.key,
      latestMs,
      medianMs,
      change: medianMs > 0 ? latestMs / medianMs - 1 : undefined,
      regression: regressionOf(latestMs, series.slice(0, -1)).regression,
    };
  });
  return { runbook, columns, runs, trends };
}

/** The reports grouped by runbook, each group's history. */
export function historiesOf(reports: readonly Report[]): History[] {
  const names = [...new Set(reports.map((r) => r.runbook))].sort();
  return names.map((name) =>
    historyOf(
      name,
      reports.filter((r) => r.runbook === name),
    ),
  );
}
