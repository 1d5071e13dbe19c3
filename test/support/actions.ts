// Running one action against the sandbox the way the engine does: inputs checked and defaulted by
// resolveStepInput, a context whose progress is recorded, and a signal the test can abort.
import type { ActionResult, ActionSpec, ExecuteContext, Plan } from '../../src/actions/action.ts';
import type { Change } from '../../src/kube/changes.ts';
import { resolveStepInput } from '../../src/runbook/resolve.ts';
import { admin } from './sandbox.ts';

export interface Recorded {
  progress: { message: string; data?: Record<string, unknown> }[];
  questions: string[];
  /** The changes the action journaled before making them. */
  changes: Change[];
}

export interface RunActionOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The answer manual confirmations get. */
  answer?: boolean;
  /** The changes of the run the action is a step of: what it records is appended, as the engine does. */
  run?: Change[];
}

export function actionContext(options: RunActionOptions = {}): { context: ExecuteContext; recorded: Recorded } {
  const recorded: Recorded = { progress: [], questions: [], changes: [] };
  const context: ExecuteContext = {
    step: { id: 'test-step', name: 'test step' },
    cluster: () => Promise.resolve(admin),
    runbookDir: process.cwd(),
    signal: options.signal ?? new AbortController().signal,
    timeoutMs: options.timeoutMs,
    progress: (message, data) => {
      recorded.progress.push({ message, data });
    },
    mask: () => undefined,
    confirm: (_instructions, question) => {
      recorded.questions.push(question);
      return Promise.resolve(options.answer ?? true);
    },
    record: (change) => {
      recorded.changes.push(change);
      options.run?.push(change);
    },
    changes: () => options.run ?? recorded.changes,
  };
  return { context, recorded };
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
