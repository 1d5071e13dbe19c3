// Rendering a plan, for `plan` and `run --dry-run`.
import type { ConnectionOptions } from '../kube/cluster.ts';
import { describeError } from '../kube/errors.ts';
import { planIsClean, planRunbook, type RunbookPlan } from '../engine/planner.ts';
import { describeMissing } from '../engine/preflight.ts';
import { Redactor } from '../engine/redact.ts';
import { ExitCode, loadRunbook, RunRefused } from '../engine/session.ts';

export function renderPlan(plan: RunbookPlan): string[] {
  const lines = [`plan for ${plan.runbook} on context ${plan.context} (nothing is changed)`, ''];
  for (const [index, step] of plan.steps.entries()) {
    const label = step.phase === 'rollback' ? `rollback ${step.id}` : `${index + 1}. ${step.id}`;
    lines.push(`${label} [${step.action}${step.context ? ` @ ${step.context}` : ''}]: ${step.name}`);
    if (step.plan) {
      lines.push(`    ${step.plan.summary}`);
      for (const detail of step.plan.details ?? []) lines.push(`      ${detail}`);
      for (const warning of step.plan.warnings ?? []) lines.push(`    ! ${warning}`);
    }
    if (step.unresolved) lines.push(`    (known at run time: ${step.unresolved})`);
    if (step.error) lines.push(`    ERROR: ${step.error}`);
  }
  lines.push('');
  if (plan.missingPermissions.length === 0) lines.push('permissions: all granted');
  else {
    lines.push('permissions MISSING:');
    for (const m of plan.missingPermissions) lines.push(`    ${describeMissing(m)}`);
  }
  return lines;
}

/**
 * Plans a runbook file and prints it; returns the exit code (1 if a step cannot run or a permission is
 * missing). With `-o json` stdout carries only the plan, so that it can be piped into a JSON reader:
 * problems that stop the plan (an invalid runbook, an unreachable cluster) go to stderr.
 */
export async function printPlan(
  file: string,
  set: Record<string, string>,
  connection: ConnectionOptions,
  output: string,
  out: { log(line: string): void; logToStderr(line: string): void },
): Promise<number> {
  const printData = (line: string) => {
    out.log(line);
  };
  const print = output === 'json' ? (line: string) => out.logToStderr(line) : printData;
  // Until the runbook is read, only credentials in URLs are recognised; its secrets after that.
  let redactor = new Redactor();
  try {
    const loaded = await loadRunbook(file, set);
    redactor = loaded.redactor;
    const plan = await planRunbook(file, loaded.runbook, loaded.params, connection, redactor);
    if (output === 'json') printData(JSON.stringify(plan, null, 2));
    else for (const line of renderPlan(plan)) print(line);
    return planIsClean(plan) ? ExitCode.ok : ExitCode.failed;
  } catch (error) {
    if (!(error instanceof RunRefused)) {
      print(`error: ${redactor.text(describeError(error))}`);
      return ExitCode.failed;
    }
    for (const line of [...error.details, error.message]) print(line);
    return error.exitCode;
  }
}
