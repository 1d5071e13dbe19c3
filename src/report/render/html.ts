// -o html: the run as one page to share or print: the verdict and the headline numbers, the
// timeline, the traffic-share curve of each drain step, the steps against their targets, the
// answers given, the failures and what the rollback did. One file, nothing fetched (html-page.ts).
import { formatElapsed } from '../format.ts';
import type { Report, StepReport } from '../model.ts';
import { answerText } from '../timeline.ts';
import { stepOutcome, verdictOf } from '../verdict.ts';
import { badge, COLORS, esc, htmlTable, page } from './html-page.ts';
import type { ReportRenderer } from './renderer.ts';
import { curveSvg, timelineSvg } from './svg.ts';

function statusColor(report: Report): string {
  if (report.status === 'succeeded')
    return report.metTarget === false || hasMissed(report) ? COLORS.missed : COLORS.passed;
  return report.status === 'interrupted' ? COLORS.interrupted : COLORS.failed;
}

function hasMissed(report: Report): boolean {
  return report.steps.some((s) => s.metTarget === false) || report.spans.some((s) => s.metTarget === false);
}

/** `2026-11-28 18:27:19 UTC`. */
function wallClock(at: string): string {
  return `${at.slice(0, 10)} ${at.slice(11, 19)} UTC`;
}

function card(label: string, value: string, note: string, color?: string): string {
  const style = color ? ` style="color:${color}"` : '';
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value"${style}>${esc(value)}</div><div class="note">${esc(note)}</div></div>`;
}

function cards(report: Report): string {
  const items = [
    card(
      'Duration',
      formatElapsed(report.durationMs),
      report.targetMs === undefined ? 'no target for the run' : `target ${formatElapsed(report.targetMs)}`,
      report.metTarget === false ? COLORS.missed : undefined,
    ),
  ];
  for (const drain of report.timeToDrain) {
    const step = report.steps.find((s) => s.id === drain.step && s.phase === 'steps');
    const target = step?.targetMs === undefined ? '' : `, target ${formatElapsed(step.targetMs)}`;
    items.push(
      card(
        `Time to drain ${drain.threshold * 100}%`,
        formatElapsed(drain.ms),
        `${drain.step}, by ${drain.source}${target}`,
        step?.metTarget === false ? COLORS.missed : COLORS.passed,
      ),
    );
  }
  for (const span of report.spans) {
    const color = span.metTarget === undefined ? undefined : span.metTarget ? COLORS.passed : COLORS.missed;
    items.push(
      card(
        span.name,
        span.ms === undefined ? 'not measured' : formatElapsed(span.ms),
        `${span.from} → ${span.to}${span.targetMs === undefined ? '' : `, target ${formatElapsed(span.targetMs)}`}`,
        color,
      ),
    );
  }
  const steps = report.steps.filter((s) => s.phase === 'steps');
  const count = (o: string) => steps.filter((s) => stepOutcome(s) === o).length;
  items.push(
    card(
      'Steps',
      `${count('passed')} / ${steps.length} met`,
      `${count('missed')} missed, ${count('failed') + count('interrupted')} failed, ${count('skipped') + count('not-run')} not run`,
    ),
  );
  return `<div class="cards">${items.join('')}</div>`;
}

function stepRow(step: StepReport): { cells: string[]; className?: string } {
  const outcome = stepOutcome(step);
  const ran = step.status !== 'not-run' && step.status !== 'skipped';
  return {
    className: outcome,
    cells: [
      `<code>${esc(step.phase === 'rollback' ? `rollback: ${step.id}` : step.id)}</code>`,
      esc(step.name),
      badge(outcome === 'passed' ? 'met' : outcome, COLORS[outcome]),
      ran ? esc(formatElapsed(step.durationMs)) : '-',
      step.measuredMs === undefined ? '-' : esc(formatElapsed(step.measuredMs)),
      step.targetMs === undefined ? '-' : esc(formatElapsed(step.targetMs)),
      step.error ? esc(step.error) : '',
    ],
  };
}

function legend(): string {
  const items: [string, string][] = [
    ['met its target', COLORS.passed],
    ['missed its target', COLORS.missed],
    ['failed', COLORS.failed],
    ['interrupted', COLORS.interrupted],
  ];
  return `<div class="legend">${items.map(([t, c]) => `<span style="--swatch:${c}">${esc(t)}</span>`).join('')}<span style="--swatch:${COLORS.target}">▼ target</span></div>`;
}

function rollbackSection(report: Report): string {
  const rollback = report.rollback;
  if (!rollback) {
    if (report.recordedChanges === 0)
      return '<p class="empty">Not rolled back: the steps changed nothing that could be.</p>';
    const force = report.status === 'succeeded' ? ' --force' : '';
    return `<p class="empty">${esc(
      `Not rolled back${report.status === 'succeeded' ? ': the run succeeded' : ''}. The steps journaled ` +
        `${report.recordedChanges} changes; kubectl drill rollback ${report.runId}${force} would undo those still in place.`,
    )}</p>`;
  }
  const took = rollback.durationMs === undefined ? 'did not finish' : `in ${formatElapsed(rollback.durationMs)}`;
  const rows = rollback.undone.flatMap((u) =>
    u.lines.map((line) => ({
      className: u.result === 'restored' || u.result === 'unchanged' ? undefined : 'failed',
      cells: [
        badge(u.result, u.result === 'restored' || u.result === 'unchanged' ? COLORS.passed : COLORS.failed),
        `<code>${esc(u.step)}</code>`,
        esc(line),
      ],
    })),
  );
  return (
    `<p>Because: ${esc(rollback.reason)}. Result: <strong>${esc(rollback.status)}</strong> ${esc(took)}.</p>` +
    (rows.length > 0
      ? htmlTable(['Result', 'Step', 'Change'], rows)
      : '<p class="empty">No recorded change to undo.</p>')
  );
}

export const htmlRenderer: ReportRenderer = {
  name: 'html',
  description: 'one self-contained page: timeline, drain curves, spans, answers; prints well',
  render: (report) => {
    const color = statusColor(report);
    const curves = report.curves.filter((c) => c.points.length > 0);
    const failures = report.steps.filter((s) => ['failed', 'aborted', 'interrupted'].includes(s.status));
    const body = [
      `<header><h1>${esc(report.runbook)} ${badge(report.unfinished ? 'killed' : report.status, color)}</h1>`,
      `<p class="sub">Run <code>${esc(report.runId)}</code> on context <code>${esc(report.context)}</code> · ${esc(wallClock(report.startedAt))}${report.finishedAt ? ` to ${esc(wallClock(report.finishedAt).slice(11))}` : ''}</p>`,
      `<div class="verdict" style="border-color:${color}">${esc(verdictOf(report))}</div>`,
      cards(report),
      '</header>',
      `<section><h2>Timeline</h2>${timelineSvg(report)}${legend()}</section>`,
      ...curves.map(
        (curve) =>
          `<section><h2>Traffic drain: <code>${esc(curve.step)}</code></h2><p class="sub">The region's remaining share of traffic, measured by ${esc(curve.source ?? 'the measure')}${curve.points.length > 0 ? `, ${curve.points.length} points` : ''}.</p>${curveSvg(curve)}</section>`,
      ),
      `<section><h2>Steps against their targets</h2>${htmlTable(
        ['Step', 'Name', 'Outcome', 'Took', 'Measured', 'Target', 'Reason'],
        report.steps.map(stepRow),
        [3, 4, 5],
      )}</section>`,
      `<section><h2>Questions and answers</h2>${
        report.answers.length > 0
          ? htmlTable(
              ['When', 'Step', 'Question', 'Answer', 'By'],
              report.answers.map((a) => ({
                cells: [
                  esc(wallClock(a.at)),
                  `<code>${esc(a.step)}</code>`,
                  esc(a.question),
                  `<strong>${esc(answerText(a.answer))}</strong>`,
                  esc(`${a.by ?? 'unknown'}${a.auto ? ' (--yes)' : ''}`),
                ],
              })),
            )
          : '<p class="empty">No question was asked.</p>'
      }</section>`,
      `<section><h2>Failures</h2>${
        failures.length > 0
          ? `<ul class="plain">${failures.map((s) => `<li><code>${esc(s.id)}</code> ${esc(s.status)}: ${esc(s.error ?? 'no reason given')}</li>`).join('')}</ul>`
          : '<p class="empty">No step failed.</p>'
      }${report.reason && report.status !== 'succeeded' ? `<p>The run stopped: ${esc(report.reason)}</p>` : ''}</section>`,
      `<section><h2>Rollback</h2>${rollbackSection(report)}</section>`,
      `<footer>kubectl drill report, from the journal of run ${esc(report.runId)}.</footer>`,
    ].join('\n');
    return page(`${report.runbook}: ${report.runId}`, body);
  },
};
