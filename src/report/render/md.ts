// -o md: a retrospective to paste into the team's document after a game day or an incident: the
// facts (when, how long against which target, time-to-drain and spans, who answered what, what
// failed and why, what the rollback put back and what it could not), then follow-ups to fill in.
import { formatElapsed } from '../format.ts';
import type { Report, StepReport } from '../model.ts';
import { answerText, timelineOf } from '../timeline.ts';
import { missedTargets, stepOutcome, verdictOf } from '../verdict.ts';
import type { ReportRenderer } from './renderer.ts';

/** A table cell: pipes and line breaks would end it. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

/** `2026-11-28 18:27:19Z`, for dates in the header. */
function clock(at: string | undefined): string {
  return at ? at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
}

/** `18:27:19.4`: the time of day to a tenth of a second, for the timeline (the date is above it). */
function timeOfDay(at: string): string {
  return at.slice(11, 21);
}

const MET: Record<ReturnType<typeof stepOutcome>, string> = {
  passed: 'met',
  missed: '**missed**',
  failed: '**failed**',
  interrupted: '**interrupted**',
  skipped: 'skipped',
  'not-run': 'not run',
};

function stepRow(step: StepReport): string[] {
  const time = step.status === 'not-run' || step.status === 'skipped' ? '-' : formatElapsed(step.durationMs);
  const measured = step.measuredMs === undefined ? '-' : formatElapsed(step.measuredMs);
  const target = step.targetMs === undefined ? '-' : formatElapsed(step.targetMs);
  const outcome = step.targetMs === undefined && stepOutcome(step) === 'passed' ? 'no target' : MET[stepOutcome(step)];
  return [`\`${step.id}\``, step.name, clock(step.startedAt), time, measured, target, outcome];
}

function drainLines(report: Report): string[] {
  const lines = report.timeToDrain.map((drain) => {
    const step = report.steps.find((s) => s.id === drain.step && s.phase === 'steps');
    const crossings = Object.entries((step?.outputs.thresholds ?? {}) as Record<string, number | null>)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([threshold, ms]) => `${Number(threshold) * 100}% at ${ms === null ? 'never' : formatElapsed(ms)}`)
      .join(', ');
    const target = step?.targetMs === undefined ? '' : ` against a target of ${formatElapsed(step.targetMs)}`;
    return (
      `- **Time to drain ${drain.threshold * 100}%** (\`${drain.step}\`, measured by ${drain.source}): ` +
      `${formatElapsed(drain.ms)}${target}${crossings ? ` (${crossings})` : ''}`
    );
  });
  for (const curve of report.curves) {
    if (curve.crossedMs !== undefined || curve.points.length === 0) continue;
    const lowest = Math.min(...curve.points.map((p) => p[1]));
    lines.push(
      `- \`${curve.step}\` did not drain: the region kept ${Math.round(lowest * 100)}% of its traffic at best`,
    );
  }
  for (const span of report.spans) {
    const target = span.targetMs === undefined ? '' : `, target ${formatElapsed(span.targetMs)}`;
    const met = span.metTarget === undefined ? '' : span.metTarget ? ': met' : ': **missed**';
    const took = span.ms === undefined ? 'not measured (its steps did not both run)' : formatElapsed(span.ms);
    lines.push(`- **${span.name}** (\`${span.from}\` to \`${span.to}\`): ${took}${target}${met}`);
  }
  return lines.length > 0 ? lines : ['None measured: the runbook has no drain step with a measure and no spans.'];
}

function rollbackLines(report: Report): string[] {
  const rollback = report.rollback;
  if (!rollback) {
    if (report.recordedChanges === 0) return ['Not rolled back: the steps changed nothing that could be.'];
    const command = `\`kubectl drill rollback ${report.runId}${report.status === 'succeeded' ? ' --force' : ''}\``;
    return [
      `Not rolled back${report.status === 'succeeded' ? ': the run succeeded' : ''}. ` +
        `The steps journaled ${report.recordedChanges} changes; ${command} would undo those still in place.`,
    ];
  }
  const took = rollback.durationMs === undefined ? ' (did not finish)' : ` in ${formatElapsed(rollback.durationMs)}`;
  const lines = [`Rolled back because: ${rollback.reason}. Result: **${rollback.status}**${took}.`, ''];
  const put = rollback.undone.filter((u) => u.result === 'restored' || u.result === 'unchanged');
  const left = rollback.undone.filter((u) => !(u.result === 'restored' || u.result === 'unchanged'));
  lines.push('Put back (or found as before):', '');
  lines.push(...(put.length > 0 ? put.flatMap((u) => u.lines.map((l) => `- ${u.result}: ${l}`)) : ['- nothing']));
  lines.push('', 'Could not be rolled back:', '');
  lines.push(
    ...(left.length > 0
      ? left.flatMap((u) => u.lines.map((l) => `- **${u.result}** (step \`${u.step}\`): ${l}`))
      : ['- nothing: every recorded change was put back or already as before']),
  );
  return lines;
}

export const mdRenderer: ReportRenderer = {
  name: 'md',
  description: 'a Markdown retrospective: timeline, targets, time-to-drain, answers, failures, rollback',
  render: (report) => {
    const failures = report.steps.filter((s) => ['failed', 'aborted', 'interrupted'].includes(s.status));
    const lines = [
      `# Drill retrospective: ${report.runbook}`,
      '',
      `**${verdictOf(report)}**`,
      '',
      ...table(
        ['', ''],
        [
          ['Run', `\`${report.runId}\``],
          ['Runbook', `\`${report.file}\``],
          ['Context', `\`${report.context}\``],
          [
            'Params',
            Object.entries(report.params)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') || '-',
          ],
          ['Started', clock(report.startedAt)],
          [
            'Ended',
            report.unfinished ? `${clock(report.finishedAt)} (journal ends: killed)` : clock(report.finishedAt),
          ],
          [
            'Duration',
            `${formatElapsed(report.durationMs)}${report.targetMs === undefined ? '' : ` (target ${formatElapsed(report.targetMs)})`}`,
          ],
        ],
      ),
      '',
      '## Timeline',
      '',
      ...table(
        ['Time (UTC)', 'Since start', 'What happened'],
        timelineOf(report).map((m) => [timeOfDay(m.at), `+${formatElapsed(m.sinceStartMs)}`, m.text]),
      ),
      '',
      '## Steps against their targets',
      '',
      ...table(
        ['Step', 'Name', 'Started (UTC)', 'Took', 'Measured', 'Target', 'Target met'],
        report.steps.filter((s) => s.phase === 'steps').map(stepRow),
      ),
      '',
      '## Time to drain and spans',
      '',
      ...drainLines(report),
      '',
      '## Questions and answers',
      '',
      ...(report.answers.length > 0
        ? table(
            ['When (UTC)', 'Step', 'Question', 'Answer', 'By'],
            report.answers.map((a) => [
              clock(a.at),
              `\`${a.step}\``,
              a.question,
              answerText(a.answer),
              `${a.by ?? 'unknown'}${a.auto ? ' (--yes)' : ''}`,
            ]),
          )
        : ['No question was asked.']),
      '',
      '## Failures',
      '',
      ...(failures.length > 0
        ? failures.map(
            (s) => `- \`${s.id}\` ${s.status} after ${formatElapsed(s.durationMs)}: ${s.error ?? 'no reason given'}`,
          )
        : ['None: no step failed.']),
      ...(report.reason && report.status !== 'succeeded' ? ['', `The run stopped: ${report.reason}`] : []),
      '',
      '## Rollback',
      '',
      ...rollbackLines(report),
      '',
      '## Follow-ups',
      '',
      ...[
        ...missedTargets(report).map((m) => `- [ ] Missed target: ${m}`),
        ...failures.map((s) => `- [ ] Why did \`${s.id}\` ${s.status}?`),
      ],
      '- [ ] What went well:',
      '- [ ] What to change in the runbook:',
      '',
    ];
    return lines.join('\n');
  },
};
