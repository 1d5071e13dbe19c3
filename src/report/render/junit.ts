// -o junit: for CI, in the JUnit XML that CI systems read (the Ant format Jenkins, GitLab and
// GitHub's test reporters take; test/fixtures/junit/junit.xsd checks it). One testsuite per run,
// one testcase per step of the runbook: a failure when the step failed or missed its target (the
// reason in it), an error when it was interrupted, skipped when skipped or never reached. The
// verdict, time-to-drain, spans and rollback go to the suite's system-out.
import { formatElapsed } from '../format.ts';
import type { Report, StepReport } from '../model.ts';
import { renderRollback } from '../summary.ts';
import { comparedMs, stepOutcome, verdictOf } from '../verdict.ts';
import type { ReportRenderer } from './renderer.ts';

/** Text and attribute values: XML's five escapes, and no character XML 1.0 forbids. */
function xml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The JUnit format's timestamp: ISO 8601 to the second, no zone (the schema's pattern); UTC here. */
function timestamp(at: string): string {
  return at.replace(/\.\d+Z$|Z$/, '');
}

function result(step: StepReport): string | undefined {
  const outcome = stepOutcome(step);
  if (outcome === 'missed') {
    const message = `missed its target: ${formatElapsed(comparedMs(step))} against ${formatElapsed(step.targetMs ?? 0)}`;
    return `<failure type="missed-target" message="${xml(message)}">${xml(message)}</failure>`;
  }
  if (outcome === 'failed') {
    const message = `${step.status}: ${step.error ?? 'no reason given'}`;
    return `<failure type="${step.status}" message="${xml(message)}">${xml(message)}</failure>`;
  }
  if (outcome === 'interrupted') {
    return `<error type="interrupted" message="${xml(step.error ?? 'the run was interrupted in this step')}"/>`;
  }
  if (outcome === 'skipped') return '<skipped message="skipped"/>';
  if (outcome === 'not-run') return '<skipped message="not run: the run ended before this step"/>';
  return undefined;
}

function testcase(report: Report, step: StepReport): string {
  const open = `<testcase name="${xml(`${step.id}: ${step.name}`)}" classname="${xml(`kubectl-drill.${report.runbook}`)}" time="${seconds(step.durationMs)}"`;
  const inner = result(step);
  return inner === undefined ? `    ${open}/>` : `    ${open}>\n      ${inner}\n    </testcase>`;
}

export const junitRenderer: ReportRenderer = {
  name: 'junit',
  description: 'JUnit XML for CI: a testsuite for the run, a testcase per step',
  render: (report) => {
    const steps = report.steps.filter((s) => s.phase === 'steps');
    const count = (outcomes: string[]) => steps.filter((s) => outcomes.includes(stepOutcome(s))).length;
    const counts = {
      tests: steps.length,
      failures: count(['failed', 'missed']),
      errors: count(['interrupted']),
      skipped: count(['skipped', 'not-run']),
    };
    const attributes = `tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}"`;
    const out = [
      verdictOf(report),
      ...report.timeToDrain.map(
        (d) => `time-to-drain ${d.threshold * 100}% (${d.step}, ${d.source}): ${formatElapsed(d.ms)}`,
      ),
      ...report.spans.map((s) => `${s.name}: ${s.ms === undefined ? 'not measured' : formatElapsed(s.ms)}`),
      ...(report.rollback ? renderRollback(report.rollback) : []),
    ].join('\n');
    const properties = [
      ['runId', report.runId],
      ['runbook', report.runbook],
      ['file', report.file],
      ['context', report.context],
      ['status', report.status],
      ...Object.entries(report.params).map(([name, value]) => [`param.${name}`, value]),
    ];
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites name="kubectl-drill" ${attributes} time="${seconds(report.durationMs)}">`,
      `  <testsuite name="${xml(report.runbook)}" id="${xml(report.runId)}" package="kubectl-drill" ${attributes} skipped="${counts.skipped}" time="${seconds(report.durationMs)}" timestamp="${timestamp(report.startedAt)}" hostname="${xml(report.context || 'unknown')}">`,
      '    <properties>',
      ...properties.map(([name, value]) => `      <property name="${xml(name ?? '')}" value="${xml(value ?? '')}"/>`),
      '    </properties>',
      ...steps.map((step) => testcase(report, step)),
      `    <system-out>${xml(out)}</system-out>`,
      '    <system-err></system-err>',
      '  </testsuite>',
      '</testsuites>',
      '',
    ].join('\n');
  },
};
