// `plan` and `run --dry-run`: every step resolved against the live cluster (which nodes, how many
// pods, which budgets block, which revision an undo goes to) and every permission checked.
// Nothing is changed. The plan comes back with every secret masked (redact.ts), ready to print.
import { dirname } from 'node:path';
import type { Plan } from '../actions/action.ts';
import { findAction } from '../actions/registry.ts';
import { Clusters, type ConnectionOptions } from '../kube/cluster.ts';
import { resolveStepInput } from '../runbook/resolve.ts';
import type { RollbackStep, Runbook, Step } from '../runbook/schema.ts';
import { checkPermissions, type MissingPermission } from './preflight.ts';
import { type Redactor, runbookRedactor, secretInputValues } from './redact.ts';
import { messageOf, rollbackSteps } from './runner.ts';

export interface StepPlan {
  id: string;
  name: string;
  action: string;
  phase: 'steps' | 'rollback';
  context?: string;
  plan?: Plan;
  /** Why the step could not be planned: it depends on earlier outputs, or the cluster said no. */
  unresolved?: string;
  error?: string;
}

export interface RunbookPlan {
  runbook: string;
  context: string;
  steps: StepPlan[];
  missingPermissions: MissingPermission[];
}

export async function planRunbook(
  file: string,
  runbook: Runbook,
  params: Record<string, string>,
  connection: ConnectionOptions,
  /** Learns the secret inputs of each step as it is planned, for the caller's own messages. */
  redactor: Redactor = runbookRedactor(runbook, params),
): Promise<RunbookPlan> {
  const runbookDir = dirname(file);
  // A plan describes the cluster at one moment: steps over the same nodes share one list of them.
  const clusters = new Clusters(connection, { readOnce: true });
  const planStep = async (
    step: Step | (RollbackStep & { id: string }),
    phase: StepPlan['phase'],
  ): Promise<StepPlan> => {
    const base: StepPlan = {
      id: step.id,
      name: step.name ?? step.id,
      action: step.action,
      phase,
      context: step.context,
    };
    const action = findAction(step.action);
    if (!action?.plan) return { ...base, plan: { summary: action?.summary ?? step.action } };
    let input: unknown;
    try {
      input = resolveStepInput(action, step.with ?? {}, { params, outputs: {} });
      redactor.add(secretInputValues(action, input as Record<string, unknown>));
    } catch (error) {
      return { ...base, unresolved: messageOf(error) };
    }
    try {
      return {
        ...base,
        plan: await action.plan(input as never, { cluster: () => clusters.get(step.context), runbookDir }),
      };
    } catch (error) {
      return { ...base, error: messageOf(error) };
    }
  };
  // The steps are planned, and the permissions checked, all at once: each waits on the API server
  // for most of its time, and one step's reads (every pod of a big cluster) can take a second. The
  // steps start first: the permission check's own preparation put off the first request by 30 ms.
  const planned = Promise.all([
    ...runbook.spec.steps.map((step) => planStep(step, 'steps')),
    ...rollbackSteps(runbook).map((step) => planStep(step, 'rollback')),
  ]);
  const [steps, missingPermissions] = await Promise.all([
    planned,
    checkPermissions(runbook, params, clusters, runbookDir, { events: true }),
  ]);
  const context = (await clusters.get()).context;
  return redactor.value({ runbook: runbook.metadata.name, context, steps, missingPermissions });
}

/** A plan is good when every step could be planned and nothing is missing. */
export function planIsClean(plan: RunbookPlan): boolean {
  return plan.missingPermissions.length === 0 && plan.steps.every((s) => s.error === undefined);
}
