// -o text: a table per runbook, a row per run and a column per measure; a regressed value is
// marked `!`; under the table each column's trend (a sparkline and the latest against the median
// of the runs before it), then each regression in words.
import { sparkline } from '../chart.ts';
import { formatElapsed } from '../format.ts';
import { LOOKBACK, REGRESSION_RATIO, type History } from './model.ts';
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

function renderOne(history: History, glyphs: Parameters<HistoryRenderer['render']>[1]['glyphs']): string[] {
  const { columns, runs, trends } = history;
  const header = ['RUN', 'STARTED (UTC)', 'STATUS', ...columns.map((c) => c.label)];
  const rows = runs.map((run) => [
    run.runId,
    run.startedAt.slice(0, 16).replace('T', ' '),
    run.status,
    ...columns.map((c) => {
      const ms = run.values[c.key];
      if (ms === undefined) return '-';
      return `${formatElapsed(ms)}${run.regressions.some((r) => r.key === c.key) ? '!' : ''}`;
    }),
  ]);
  const trendRow = [
    'trend',
    '',
    '',
    ...columns.map((c) => {
      const series = runs.flatMap((run) => (run.values[c.key] === undefined ? [] : [run.values[c.key] as number]));
      const trend = trends.find((t) => t.key === c.key);
      return `${sparkline(series, glyphs, { min: 0 })} ${percentChange(trend?.change)}`.trim();
    }),
  ];
  const targets = [
    'target',
    '',
    '',
    ...columns.map((c) => (c.targetMs === undefined ? '' : formatElapsed(c.targetMs))),
  ];
  const lines = [
    `${history.runbook}: ${runs.length} run${runs.length === 1 ? '' : 's'}, oldest first`,
    ...table([header, ...rows, targets, trendRow]),
  ];
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
  render: (histories, { glyphs }) =>
    histories.length === 0 ? 'no runs' : histories.map((h) => renderOne(h, glyphs).join('\n')).join('\n\n'),
};
