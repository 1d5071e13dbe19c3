// -o text: for a terminal. The run's verdict, the summary table the run printed (steps against
// their targets, time-to-drain, spans, the rollback), the answers given, and each drain's curve as
// a small chart.
import { curveChart } from '../chart.ts';
import { formatElapsed } from '../format.ts';
import { renderSummary } from '../summary.ts';
import { answerText } from '../timeline.ts';
import { verdictOf } from '../verdict.ts';
import type { ReportRenderer } from './renderer.ts';

const CHART = { width: 56, height: 6 };

export const textRenderer: ReportRenderer = {
  name: 'text',
  description: 'the summary table, time-to-drain, spans and a chart of each drain (default)',
  render: (report, { glyphs }) => {
    const lines = [
      `${report.runbook}: run ${report.runId} on context ${report.context}`,
      `started ${report.startedAt}${report.finishedAt ? `, ended ${report.finishedAt}` : ''}`,
      verdictOf(report),
      '',
      renderSummary(report),
    ];
    if (report.answers.length > 0) {
      lines.push('', 'answers:');
      for (const a of report.answers) {
        const who = a.auto ? `--yes by ${a.by ?? 'unknown'}` : (a.by ?? 'unknown');
        lines.push(`  ${a.at} ${a.step}: ${a.question} -> ${answerText(a.answer)} (${who})`);
      }
    }
    for (const curve of report.curves) {
      if (curve.points.length === 0) continue;
      const last = curve.points.at(-1);
      const crossed =
        curve.crossedMs === undefined
          ? `lowest ${Math.round(Math.min(...curve.points.map((p) => p[1])) * 100)}% after ${formatElapsed(last?.[0] ?? 0)}`
          : `${Math.round((curve.threshold ?? 0) * 100)}% gone in ${formatElapsed(curve.crossedMs)}`;
      lines.push('', `${curve.step}: remaining traffic share (${curve.source ?? 'measured'}; ${crossed})`);
      lines.push(
        ...curveChart(curve.points, { ...CHART, glyphs, threshold: curve.threshold, crossedMs: curve.crossedMs }),
      );
    }
    return lines.join('\n');
  },
};
