// The end-of-run summary: one row per step that ran or was planned, time against target.
import { basename, dirname, resolve } from 'node:path';
import { formatElapsed } from './format.ts';
import type { UndoOutcomeKind } from '../engine/events.ts';
import type { Report, RollbackReport, StepReport } from './model.ts';
import { verdictOf } from './verdict.ts';

function met(value: boolean | undefined): string {
  if (value === undefined) return '-';
  return value ? 'yes' : 'NO';
}

function time(ms: number | undefined): string {
  return ms === undefined ? '-' : formatElapsed(ms);
}

function row(step: StepReport): string[] {
  const measured = step.measuredMs === undefined ? '' : ` (measured ${time(step.measuredMs)})`;
  const name = step.phase === 'rollback' ? `rollback: ${step.id}` : step.id;
  return [name, step.status, `${time(step.durationMs)}${measured}`, time(step.targetMs), met(step.metTarget)];
}

export function renderSummary(report: Report): string {
  const rows = [
    ['STEP', 'STATUS', 'TIME', 'TARGET', 'MET'],
    ...report.steps.map(row),
    ['(run)', report.status, time(report.durationMs), time(report.targetMs), met(report.metTarget)],
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((r) => r[column]?.length ?? 0))) ?? [];
  const lines = rows.map((r) =>
    r
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  for (const drain of report.timeToDrain) {
    lines.push(`time-to-drain ${drain.threshold * 100}% (${drain.step}, ${drain.source}): ${formatElapsed(drain.ms)}`);
  }
  for (const span of report.spans) {
    const target = span.targetMs === undefined ? '' : `, target ${formatElapsed(span.targetMs)} ${met(span.metTarget)}`;
    const took = span.ms === undefined ? 'not measured (its steps did not both run)' : formatElapsed(span.ms);
    lines.push(`${span.name} (${span.from} .. ${span.to}): ${took}${target}`);
  }
  for (const resume of report.resumes) {
    lines.push(`resumed at ${resume.at} from step ${resume.fromStep} after a gap of ${formatElapsed(resume.gapMs)}`);
  }
  if (report.reason) lines.push('', `reason: ${report.reason}`);
  if (report.rollback) lines.push('', ...renderRollback(report.rollback));
  return lines.join('\n');
}

export function describeCounts(counts: Record<UndoOutcomeKind, number>): string {
  return (
    `${counts.restored} restored, ${counts.unchanged} already as before, ${counts.conflict} conflicts, ` +
    `${counts.irreversible} cannot be undone, ${counts.failed} failed`
  );
}

/** The rollback's verdict, then every undo line: what was put back, found as before, left, or lost. */
export function renderRollback(rollback: RollbackReport): string[] {
  const took = rollback.durationMs === undefined ? '' : ` in ${formatElapsed(rollback.durationMs)}`;
  const counts = rollback.counts ? `: ${describeCounts(rollback.counts)}` : '';
  return [
    `rollback (${rollback.reason}): ${rollback.status}${took}${counts}`,
    ...rollback.undone.flatMap((undo) => undo.lines.map((line) => `  ${undo.result.padEnd(12)} ${line}`)),
  ];
}

/**
 * How a run's summary ends: the one-line verdict, the time-to-drain, and the command that shows the
 * full report (naming the journal dir when it is not the default one).
 */
export function renderClosing(report: Report, runDir: string, defaultJournalDir: string): string[] {
  const drains = report.timeToDrain.map(
    (d) => `time-to-drain ${d.threshold * 100}%: ${formatElapsed(d.ms)} (${d.step}, ${d.source})`,
  );
  const journalDir = dirname(resolve(runDir));
  const where = journalDir === resolve(defaultJournalDir) ? '' : ` --journal-dir ${journalDir}`;
  return [
    verdictOf(report),
    ...(drains.length > 0 ? drains : ['time-to-drain: not measured (no drain step with a measure ran)']),
    `full report: kubectl drill report ${basename(runDir)}${where}  (-o md|html|junit|json)`,
  ];
}
