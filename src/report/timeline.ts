// A run as a list of moments in wall-clock order: steps starting and ending, questions answered,
// resumes, the rollback, the end (or where the journal stops). The Markdown retrospective prints it
// as its timeline; it is built from the report alone, so a killed run has one too.
import { formatElapsed } from './format.ts';
import type { Report, StepReport } from './model.ts';
import { stepOutcome } from './verdict.ts';

export interface Moment {
  at: string;
  /** Ms since the run started, by the wall clock (a resumed run's gap included). */
  sinceStartMs: number;
  text: string;
}

function finishedText(step: StepReport): string {
  const took = formatElapsed(step.durationMs);
  const measured = step.measuredMs === undefined ? '' : ` (measured ${formatElapsed(step.measuredMs)})`;
  const target = step.targetMs === undefined ? '' : `, target ${formatElapsed(step.targetMs)}`;
  const name = `${step.phase === 'rollback' ? 'rollback step ' : ''}\`${step.id}\``;
  switch (stepOutcome(step)) {
    case 'passed':
      return `${name} succeeded in ${took}${measured}${target}${target ? ': met' : ''}`;
    case 'missed':
      return `${name} succeeded in ${took}${measured}${target}: **missed**`;
    case 'skipped':
      return `${name} skipped`;
    default:
      return `${name} **${step.status}** after ${took}${step.error ? `: ${step.error}` : ''}`;
  }
}

/** A confirmation's answer reads yes or no; a chosen answer (run, skip, abort) as chosen. */
export function answerText(answer: string | boolean): string {
  return typeof answer === 'boolean' ? (answer ? 'yes' : 'no') : answer;
}

export function timelineOf(report: Report): Moment[] {
  const origin = Date.parse(report.startedAt);
  const moments: Omit<Moment, 'sinceStartMs'>[] = [
    { at: report.startedAt, text: `run \`${report.runId}\` started on context \`${report.context}\`` },
  ];
  for (const step of report.steps) {
    if (step.startedAt) {
      const target = step.targetMs === undefined ? '' : ` (target ${formatElapsed(step.targetMs)})`;
      const phase = step.phase === 'rollback' ? 'rollback step ' : '';
      moments.push({ at: step.startedAt, text: `${phase}\`${step.id}\` started: ${step.name}${target}` });
    }
    if (step.finishedAt) moments.push({ at: step.finishedAt, text: finishedText(step) });
  }
  for (const answer of report.answers) {
    const who = `${answer.by ?? 'unknown user'}${answer.auto ? ', by --yes' : ''}`;
    moments.push({
      at: answer.at,
      text: `${answer.step}: "${answer.question}" answered **${answerText(answer.answer)}** (${who})`,
    });
  }
  for (const resume of report.resumes) {
    moments.push({
      at: resume.at,
      text: `resumed from \`${resume.fromStep}\` after a gap of ${formatElapsed(resume.gapMs)}`,
    });
  }
  const rollback = report.rollback;
  if (rollback) {
    moments.push({ at: rollback.startedAt, text: `rollback started: ${rollback.reason}` });
    if (rollback.durationMs !== undefined) {
      const at = new Date(Date.parse(rollback.startedAt) + rollback.durationMs).toISOString();
      moments.push({ at, text: `rollback ${rollback.status} in ${formatElapsed(rollback.durationMs)}` });
    }
  }
  if (report.unfinished) {
    moments.push({
      at: report.unfinished.lastEventAt,
      text: 'the journal ends here: the run was killed (no run.finished)',
    });
  } else if (report.finishedAt) {
    moments.push({ at: report.finishedAt, text: `run **${report.status}** in ${formatElapsed(report.durationMs)}` });
  }
  return moments
    .map((moment, index) => ({ ...moment, index }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.index - b.index)
    .map(({ at, text }) => ({ at, text, sinceStartMs: Math.max(0, Date.parse(at) - origin) }));
}
