// Running one action against the sandbox the way the engine does: inputs checked and defaulted by
// resolveStepInput, a context whose progress is recorded, and a signal the test can abort.
import type { ActionResult, ActionSpec, ExecuteContext, Plan } from '../../src/actions/action.ts';
import { resolveStepInput } from '../../src/runbook/resolve.ts';
import { type Recorded, type RunActionOptions, stepContext } from './action-context.ts';
import { admin } from './sandbox.ts';

export type { Recorded, RunActionOptions } from './action-context.ts';

export function actionContext(options: RunActionOptions = {}): { context: ExecuteContext; recorded: Recorded } {
  return stepContext(admin, options);
}

export async function runAction(
  action: ActionSpec,
  input: Record<string, unknown>,
  options: RunActionOptions = {},
): Promise<ActionResult & { recorded: Recorded }> {
  if (!action.execute) throw new Error(`${action.name} has no execute`);
  const { context, recorded } = actionContext(options);
  const resolved = resolveStepInput(action, input, { params: {}, outputs: {} });
  const result = await action.execute(resolved, context);
  return { ...result, recorded };
}

export async function planAction(action: ActionSpec, input: Record<string, unknown>): Promise<Plan> {
  if (!action.plan) throw new Error(`${action.name} has no plan`);
  const resolved = resolveStepInput(action, input, { params: {}, outputs: {} });
  return action.plan(resolved, { cluster: () => Promise.resolve(admin), runbookDir: process.cwd() });
}
