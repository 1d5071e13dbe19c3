// Before the first step: every permission every step (and rollback step) will need, checked with
// SelfSubjectAccessReview on the cluster of each step's context, with those of the run lock and,
// unless turned off, of the Kubernetes Events each step that writes leaves where it writes (in a
// namespace it names, or `default` for cluster-scoped objects and namespaces known only at run
// time). A run that lacks one never starts.
import { findAction } from '../actions/registry.ts';
import { describePermission, missingPermissions, type Permission } from '../kube/access.ts';
import type { Clusters } from '../kube/cluster.ts';
import type { RollbackStep, Runbook, Step } from '../runbook/schema.ts';
import { rollbackSteps } from './runner.ts';
import { LOCK_NAMESPACE, lockPermissions } from './run-lock.ts';
import { resolveStepInput } from '../runbook/resolve.ts';
import { containsTemplate, resolveTemplates, templateReferences } from '../runbook/template.ts';

export interface MissingPermission {
  /** The step that needs it, if a step does. */
  step?: string;
  /** Who needs it, for people: `step "cordon"`, `the run lock`. */
  neededBy: string;
  context: string;
  permission: string;
}

/** What a run needs besides its steps' own permissions. */
export interface PreflightOptions {
  /** The run records Kubernetes Events (--events). */
  events: boolean;
}

interface Need {
  step?: string;
  neededBy: string;
  permission: Permission;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

function createEvents(namespace: string): Permission {
  return { verb: 'create', group: 'events.k8s.io', resource: 'events', namespace };
}

/** `step "x" (context c) needs: ...`, `the run lock (context c) needs: ...`. */
export function describeMissing(missing: MissingPermission): string {
  return `${missing.neededBy} (context ${missing.context}) needs: ${missing.permission}`;
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
  options: PreflightOptions,
): Promise<MissingPermission[]> {
  const steps = [...runbook.spec.steps, ...rollbackSteps(runbook)];
  const byContext = new Map<string | undefined, Need[]>();
  const need = (context: string | undefined, needed: Need): void => {
    const list = byContext.get(context) ?? [];
    list.push(needed);
    byContext.set(context, list);
  };
  for (const permission of lockPermissions()) need(undefined, { neededBy: 'the run lock', permission });
  const events = 'Kubernetes Events (--no-events turns them off)';
  if (options.events) need(undefined, { neededBy: events, permission: createEvents(LOCK_NAMESPACE) });
  for (const step of steps) {
    const action = findAction(step.action);
    if (!action?.permissions) continue;
    const cluster = await clusters.get(step.context);
    const input = knownInputs(step, params);
    for (const permission of action.permissions(input, cluster.namespace, runbookDir)) {
      const templated = permission.namespace !== undefined && containsTemplate(permission.namespace);
      const namespace = templated ? undefined : permission.namespace;
      need(step.context, { step: step.id, neededBy: `step "${step.id}"`, permission: { ...permission, namespace } });
      if (options.events && action.mutating && WRITE_VERBS.has(permission.verb)) {
        need(step.context, { step: step.id, neededBy: events, permission: createEvents(namespace ?? 'default') });
      }
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
    const said = new Set<string>();
    for (const { step, neededBy, permission } of needed) {
      const text = describePermission(permission);
      // A step's own needs are said per step; the lock's and the Events' once.
      const key = `${step === undefined || neededBy === events ? neededBy : step}: ${text}`;
      if (!lacking.has(text) || said.has(key)) continue;
      said.add(key);
      missing.push({
        step: neededBy === events ? undefined : step,
        neededBy,
        context: cluster.context,
        permission: text,
      });
    }
  }
  return missing;
}
