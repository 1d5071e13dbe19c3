// Before the first step: every permission every step (and rollback step) will need, checked with
// SelfSubjectAccessReview on the cluster of each step's context. A run that lacks one never starts.
import { findAction } from '../actions/registry.ts';
import { describePermission, missingPermissions, type Permission } from '../kube/access.ts';
import type { Clusters } from '../kube/cluster.ts';
import type { RollbackStep, Runbook, Step } from '../runbook/schema.ts';
import { rollbackSteps } from './runner.ts';
import { resolveStepInput } from '../runbook/resolve.ts';
import { containsTemplate, resolveTemplates, templateReferences } from '../runbook/template.ts';

export interface MissingPermission {
  step: string;
  context: string;
  permission: string;
}

/**
 * Inputs as far as they can be known before the run: params resolved, references to step outputs
 * left out (a permission that depends on one is checked cluster-wide instead).
 */
function knownInputs(step: Step | RollbackStep, params: Record<string, string>): Record<string, unknown> {
  const known: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(step.with ?? {})) {
    if (referencesOutputs(value)) continue;
    known[key] = resolveTemplates(value, { params, outputs: {} });
  }
  return known;
}

function referencesOutputs(value: unknown): boolean {
  return templateReferences(value).some((reference) => reference.kind === 'output');
}

export interface InputProblem {
  step: string;
  problem: string;
}

/**
 * Each step's `check` (what only the cluster can tell of its inputs: a Backup that does not exist),
 * for the steps whose inputs are all known before the run; those that use an earlier step's
 * outputs are checked when they run.
 */
export async function checkInputs(
  runbook: Runbook,
  params: Record<string, string>,
  clusters: Clusters,
  runbookDir: string,
): Promise<InputProblem[]> {
  const problems: InputProblem[] = [];
  for (const step of runbook.spec.steps) {
    const action = findAction(step.action);
    if (!action?.check || referencesOutputs(step.with ?? {})) continue;
    try {
      const input = resolveStepInput(action, step.with ?? {}, { params, outputs: {} });
      await action.check(input, { cluster: () => clusters.get(step.context), runbookDir });
    } catch (error) {
      problems.push({ step: step.id, problem: error instanceof Error ? error.message : String(error) });
    }
  }
  return problems;
}

export async function checkPermissions(
  runbook: Runbook,
  params: Record<string, string>,
  clusters: Clusters,
  runbookDir: string,
): Promise<MissingPermission[]> {
  const steps = [...runbook.spec.steps, ...rollbackSteps(runbook)];
  const byContext = new Map<string | undefined, { step: string; permission: Permission }[]>();
  for (const step of steps) {
    const action = findAction(step.action);
    if (!action?.permissions) continue;
    const cluster = await clusters.get(step.context);
    const input = knownInputs(step, params);
    for (const permission of action.permissions(input, cluster.namespace, runbookDir)) {
      const namespace =
        permission.namespace && containsTemplate(permission.namespace) ? undefined : permission.namespace;
      const list = byContext.get(step.context) ?? [];
      list.push({ step: step.id, permission: { ...permission, namespace } });
      byContext.set(step.context, list);
    }
  }
  const missing: MissingPermission[] = [];
  for (const [context, needed] of byContext) {
    const cluster = await clusters.get(context);
    const lacking = new Set(
      (
        await missingPermissions(
          cluster,
          needed.map((n) => n.permission),
        )
      ).map(describePermission),
    );
    for (const { step, permission } of needed) {
      const text = describePermission(permission);
      if (lacking.has(text)) missing.push({ step, context: cluster.context, permission: text });
    }
  }
  return missing;
}
