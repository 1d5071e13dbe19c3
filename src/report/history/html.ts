// -o html: the history as one self-contained page (render/html-page.ts): per runbook the table of
// runs (regressed values in red) and a trend chart per column, its target dashed and its
// regressions marked.
import { formatElapsed } from '../format.ts';
import { badge, COLORS, esc, htmlTable, page } from '../render/html-page.ts';
import { trendSvg } from '../render/svg.ts';
import { LOOKBACK, REGRESSION_RATIO, type History } from './model.ts';
import type { HistoryRenderer } from './renderer.ts';

function section(history: History): string {
  const { columns, runs, trends } = history;
  const rows = runs.map((run) => ({
    className: run.regressions.length > 0 ? 'failed' : undefined,
    cells: [
      // Every run here is of this runbook: its id without the runbook's name is the time and suffix.
      `<code title="${esc(run.runId)}">${esc(run.runId.startsWith(`${history.runbook}-`) ? run.runId.slice(history.runbook.length + 1) : run.runId)}</code>`,
      esc(run.startedAt.slice(0, 16).replace('T', ' ')),
      badge(run.status, run.status === 'succeeded' ? COLORS.passed : COLORS.failed),
      ...columns.map((c) => {
        const ms = run.values[c.key];
        if (ms === undefined) return '-';
        const regressed = run.regressions.some((r) => r.key === c.key);
        return regressed
          ? `<strong class="regression" style="color:${COLORS.failed}">${esc(formatElapsed(ms))} ▲</strong>`
          : esc(formatElapsed(ms));
      }),
    ],
  }));
  const charts = columns.map((column) => {
    const trend = trends.find((t) => t.key === column.key);
    const points = runs.map((run) => ({
      label: run.runId,
      ms: run.values[column.key],
      regression: run.regressions.some((r) => r.key === column.key),
    }));
    const change =
      trend?.change === undefined
        ? 'no earlier run to compare with'
        : `latest ${formatElapsed(trend.latestMs ?? 0)}: ${Math.abs(Math.round(trend.change * 100))}% ${
            trend.change > 0 ? 'slower' : 'faster'
          } than the median of the runs before it (${formatElapsed(trend.medianMs ?? 0)})`;
    return (
      `<figure style="margin:0"><h3>${esc(column.label)}${trend?.regression ? ` ${badge('regression', COLORS.failed)}` : ''}</h3>` +
      `<p class="sub">${esc(change)}</p>${trendSvg(column.key, points, column.targetMs)}</figure>`
    );
  });
  const numeric = columns.map((_, i) => i + 3);
  return (
    `<section><h2>${esc(history.runbook)}: ${runs.length} runs</h2>` +
    `<div class="wide">${htmlTable(['Run', 'Started (UTC)', 'Status', ...columns.map((c) => c.label)], rows, numeric)}</div>` +
    `<div style="display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:8px 24px">${charts.join('')}</div></section>`
  );
}

export const historyHtmlRenderer: HistoryRenderer = {
  name: 'html',
  description: 'one self-contained page: the runs side by side and a trend chart per step',
  render: (histories) =>
    page(
      'kubectl drill history',
      `<h1>Drill history</h1><p class="sub">A value marked ▲ is more than ${Math.round((REGRESSION_RATIO - 1) * 100)}% slower than the median of its last ${LOOKBACK} runs.</p>${
        histories.length > 0 ? histories.map(section).join('\n') : '<p class="empty">No runs.</p>'
      }`,
    ),
};
