// What a run came to, in the words every format uses: the one-line verdict a summary ends with, and
// each step's outcome (passed, missed its target, failed, ...) that timelines colour and JUnit
// turns into failures. One place decides, so the text, the Markdown, the HTML and CI agree.
import { formatElapsed } from './format.ts';
import type { Report, StepReport } from './model.ts';

export type StepOutcome = 'passed' | 'missed' | 'failed' | 'interrupted' | 'skipped' | 'not-run';

export function stepOutcome(step: StepReport): StepOutcome {
  if (step.status === 'succeeded') return step.metTarget === false ? 'missed' : 'passed';
  if (step.status === 'failed' || step.status === 'aborted') return 'failed';
  if (step.status === 'interrupted') return 'interrupted';
  return step.status;
}

/** What a step's target is compared with: the time the action measured (a drain's), else its wall time. */
export function comparedMs(step: StepReport): number {
  return step.measuredMs ?? step.durationMs;
}

/** Every target the run missed: steps, spans and the run's own, in words. */
export function missedTargets(report: Report): string[] {
  const missed = report.steps
    .filter((s) => s.phase === 'steps' && s.metTarget === false)
    .map((s) => `${s.id} ${formatElapsed(comparedMs(s))} (target ${formatElapsed(s.targetMs ?? 0)})`);
  for (const span of report.spans) {
    if (span.metTarget === false && span.ms !== undefined) {
      missed.push(`${span.name} ${formatElapsed(span.ms)} (target ${formatElapsed(span.targetMs ?? 0)})`);
    }
  }
  if (report.status === 'succeeded' && report.metTarget === false) {
    missed.push(`the run ${formatElapsed(report.durationMs)} (target ${formatElapsed(report.targetMs ?? 0)})`);
  }
  return missed;
}

/** One line: how the run ended, how long it took against its target, and what went wrong. */
export function verdictOf(report: Report): string {
  const took = `in ${formatElapsed(report.durationMs)}${
    report.targetMs === undefined ? '' : ` (target ${formatElapsed(report.targetMs)})`
  }`;
  const rolledBack = report.rollback ? `; rollback ${report.rollback.status}` : '';
  if (report.unfinished) {
    return `INTERRUPTED: the run stopped without finishing, its journal ends at ${report.unfinished.lastEventAt}${rolledBack}`;
  }
  if (report.status === 'succeeded') {
    const missed = missedTargets(report);
    if (missed.length === 0) return `PASSED: every step succeeded and met its target, ${took}`;
    return `PASSED, TARGETS MISSED: every step succeeded ${took}, but ${missed.join(', ')}`;
  }
  const reason = report.reason ? `: ${report.reason}` : '';
  return `${report.status.toUpperCase()} ${took}${reason}${rolledBack}`;
}
