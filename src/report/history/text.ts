// -o text: a table per runbook, a row per run and a column per measure; a regressed value is
// marked `!`; under the table each column's trend (a sparkline and the latest against the median
// of the runs before it), then each regression in words. A table wider than the terminal turns on
// its side (a row per measure, a column per run, the runs named under it), keeping the latest runs
// that fit: a runbook of ten steps would otherwise wrap every row into a wall of cells.
import { sparkline } from '../chart.ts';
import { formatElapsed } from '../format.ts';
import { type History, type HistoryColumn, type HistoryRun, LOOKBACK, REGRESSION_RATIO } from './model.ts';
import type { HistoryRenderer } from './renderer.ts';

function percentChange(change: number | undefined): string {
  if (change === undefined) return '';
  const value = Math.round(change * 100);
  return value === 0 ? '±0%' : `${value > 0 ? '+' : ''}${value}%`;
}

/** Columns padded to their widest cell (the chart glyphs are one UTF-16 unit each). */
function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((r) => (r[column] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

type Glyphs = Parameters<HistoryRenderer['render']>[1]['glyphs'];

function cellOf(run: HistoryRun, key: string): string {
  const ms = run.values[key];
  if (ms === undefined) return '-';
  return `${formatElapsed(ms)}${run.regressions.some((r) => r.key === key) ? '!' : ''}`;
}

function trendOf(history: History, key: string, glyphs: Glyphs): string {
  const series = history.runs.flatMap((run) => (run.values[key] === undefined ? [] : [run.values[key]]));
  const trend = history.trends.find((t) => t.key === key);
  return `${sparkline(series, glyphs, { min: 0 })} ${percentChange(trend?.change)}`.trim();
}

const targetOf = (column: HistoryColumn): string =>
  column.targetMs === undefined ? '' : formatElapsed(column.targetMs);

/** A row per run, a column per measure. */
function byRun(history: History, glyphs: Glyphs): string[] {
  const { columns, runs } = history;
  return table([
    ['RUN', 'STARTED (UTC)', 'STATUS', ...columns.map((c) => c.label)],
    ...runs.map((run) => [run.runId, startedOf(run), run.status, ...columns.map((c) => cellOf(run, c.key))]),
    ['target', '', '', ...columns.map(targetOf)],
    ['trend', '', '', ...columns.map((c) => trendOf(history, c.key, glyphs))],
  ]);
}

/** A row per measure, a column per run (numbered oldest first), of the latest `shown` runs. */
function byMeasure(history: History, glyphs: Glyphs, shown: number): string[] {
  const { columns, runs } = history;
  const first = runs.length - shown;
  const latest = runs.slice(first);
  const lines = table([
    ['MEASURE', ...latest.map((_, i) => `#${String(first + i + 1)}`), 'TARGET', 'TREND'],
    ...columns.map((c) => [
      c.label,
      ...latest.map((run) => cellOf(run, c.key)),
      targetOf(c),
      trendOf(history, c.key, glyphs),
    ]),
  ]);
  const legend = table(latest.map((run, i) => [`  #${String(first + i + 1)}`, run.runId, startedOf(run), run.status]));
  const older =
    first > 0 ? [`  (#1 to #${String(first)} left out for the terminal's width; -o json has every run)`] : [];
  return [...lines, '', 'RUNS', ...legend, ...older];
}

const startedOf = (run: HistoryRun): string => run.startedAt.slice(0, 16).replace('T', ' ');

const widest = (lines: readonly string[]): number => Math.max(0, ...lines.map((line) => line.length));

function renderOne(history: History, glyphs: Glyphs, width: number | undefined): string[] {
  const { columns, runs } = history;
  let body = byRun(history, glyphs);
  if (width !== undefined && widest(body) > width) {
    let shown = runs.length;
    body = byMeasure(history, glyphs, shown);
    while (shown > 1 && widest(body) > width) body = byMeasure(history, glyphs, --shown);
  }
  const lines = [`${history.runbook}: ${runs.length} run${runs.length === 1 ? '' : 's'}, oldest first`, ...body];
  const regressions = runs.flatMap((run) =>
    run.regressions.map((r) => {
      const label = columns.find((c) => c.key === r.key)?.label ?? r.key;
      const slower = Math.round((r.ms / r.medianMs - 1) * 100);
      return `  ${run.runId}: ${label} took ${formatElapsed(r.ms)}, ${slower}% slower than the median of the runs before it (${formatElapsed(r.medianMs)})`;
    }),
  );
  lines.push(
    '',
    regressions.length > 0
      ? `REGRESSIONS (more than ${Math.round((REGRESSION_RATIO - 1) * 100)}% slower than the median of the last ${LOOKBACK} runs):`
      : 'no regression',
    ...regressions,
  );
  return lines;
}

export const historyTextRenderer: HistoryRenderer = {
  name: 'text',
  description: 'a table per runbook: a row per run, a column per step, trends and regressions (default)',
  render: (histories, { glyphs, width }) =>
    histories.length === 0 ? 'no runs' : histories.map((h) => renderOne(h, glyphs, width).join('\n')).join('\n\n'),
};
