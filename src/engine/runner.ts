// Runs a runbook's steps in order, timing each against its target, and reports everything that
// happens as events. It knows nothing of terminals: the live view, the journal and the report are
// handlers of its events, and questions go through an Interaction.

import type { ActionResult, ActionSpec } from '../actions/action.ts';
import { dirname } from 'node:path';
import { findAction } from '../actions/registry.ts';
import type { Clusters } from '../kube/cluster.ts';
import { formatDuration, optionalDurationMs } from '../runbook/duration.ts';
import { resolveStepInput } from '../runbook/resolve.ts';
import type { RollbackStep, Runbook, Step } from '../runbook/schema.ts';
import { watchAbortConditions } from './abort-conditions.ts';
import { type Clock, startClock } from './clock.ts';
import type { EventHandler, RunEvent, RunStatus, StepPhase, StepStatus, Unstamped } from './events.ts';
import type { Approval, Interaction, StepRef } from './interaction.ts';

/** A step with no `timeout` may run this long; manual steps wait for their person indefinitely. */
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000;

export interface RunOptions {
  runId: string;
  runbook: Runbook;
  file: string;
  /** Every param with its value: defaults overridden by --set. */
  params: Record<string, string>;
  clusters: Clusters;
  interaction: Interaction;
  handlers: EventHandler[];
  /** Ctrl-C: the running step is stopped and the run ends `interrupted`. */
  signal: AbortSignal;
  /** Start at this step; the ones before it are skipped. */
  from?: string;
  /** Run this step alone. */
  only?: string;
}

export interface RunResult {
  status: RunStatus;
  durationMs: number;
  /** Every step that ran succeeded, but at least one target was missed. */
  missedTarget: boolean;
}

interface Outcome {
  status: StepStatus;
  error?: string;
}

class StepTimeout extends Error {
  constructor(ms: number) {
    super(`timed out after ${formatDuration(ms)}`);
  }
}

class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** An abortIf condition tripped. */
class Tripped extends Error {}

export async function runRunbook(options: RunOptions): Promise<RunResult> {
  return new Run(options).execute();
}

class Run {
  readonly #options: RunOptions;
  readonly #clock: Clock = startClock();
  readonly #outputs: Record<string, Record<string, unknown>> = {};
  #missedTarget = false;
  /** Why an abortIf condition stopped the run, once one has. */
  #tripped: Tripped | undefined;
  /** Stops the running step. */
  #stopStep: ((reason: Error) => void) | undefined;

  constructor(options: RunOptions) {
    this.#options = options;
  }

  async execute(): Promise<RunResult> {
    const { runbook, params, runId, file } = this.#options;
    const cluster = await this.#options.clusters.get();
    const runTargetMs = optionalDurationMs(runbook.spec.target);
    this.#emit({
      type: 'run.started',
      runId,
      runbook: runbook.metadata.name,
      file,
      context: cluster.context,
      params,
      targetMs: runTargetMs,
      steps: runbook.spec.steps.map((s) => ({
        id: s.id,
        name: s.name ?? s.id,
        action: s.action,
        targetMs: optionalDurationMs(s.target),
      })),
      rollback: rollbackSteps(runbook).map((s) => ({
        id: s.id,
        name: s.name ?? s.id,
        action: s.action,
        targetMs: optionalDurationMs(s.target),
      })),
    });

    let status: RunStatus = 'succeeded';
    let reason: string | undefined;
    let rollback = false;
    const stopWatching = watchAbortConditions(runbook.spec.abortIf ?? [], {
      params,
      onTrip: (why) => {
        this.#tripped = new Tripped(why);
        this.#stopStep?.(this.#tripped);
      },
      onProblem: (message) => {
        this.#emit({ type: 'run.progress', message });
      },
    });
    for (const step of this.#selectedSteps()) {
      if (this.#options.signal.aborted) {
        status = 'interrupted';
        break;
      }
      if (this.#tripped) {
        status = 'aborted';
        reason = this.#tripped.message;
        rollback = true;
        break;
      }
      const outcome = await this.#runStep(step, 'steps');
      if (outcome.status === 'succeeded' || outcome.status === 'skipped') continue;
      if (outcome.status === 'interrupted') {
        status = 'interrupted';
        break;
      }
      if (outcome.status === 'aborted') {
        status = 'aborted';
        reason = outcome.error;
        rollback = this.#isTripped();
        break;
      }
      status = 'failed';
      reason = `step "${step.id}" failed: ${outcome.error}`;
      const onFailure = step.onFailure ?? 'abort';
      if (onFailure === 'continue') continue;
      rollback = onFailure === 'rollback';
      break;
    }
    stopWatching();
    if (rollback) {
      await this.#runRollback();
    }
    const durationMs = this.#clock.t();
    const metTarget = runTargetMs === undefined ? undefined : durationMs <= runTargetMs;
    if (metTarget === false) this.#missedTarget = true;
    this.#emit({ type: 'run.finished', status, durationMs, targetMs: runTargetMs, metTarget, reason });
    return { status, durationMs, missedTarget: status === 'succeeded' && this.#missedTarget };
  }

  /** Runs the rollback steps after a failure; each one's failure stops them unless it says continue. */
  async #runRollback(): Promise<void> {
    for (const step of rollbackSteps(this.#options.runbook)) {
      if (this.#options.signal.aborted) return;
      const outcome = await this.#runStep(step, 'rollback');
      if (outcome.status !== 'succeeded' && outcome.status !== 'skipped' && (step.onFailure ?? 'abort') === 'abort')
        return;
    }
  }

  /** Read through a method: the flag is set from the abortIf watcher's callback. */
  #isTripped(): boolean {
    return this.#tripped !== undefined;
  }

  #selectedSteps(): Step[] {
    const { runbook, from, only } = this.#options;
    const steps = runbook.spec.steps;
    if (only) return steps.filter((s) => s.id === only);
    if (from) return steps.slice(steps.findIndex((s) => s.id === from));
    return steps;
  }

  async #runStep(step: Step | (RollbackStep & { id: string }), phase: StepPhase): Promise<Outcome> {
    const ref: StepRef = { id: step.id, name: step.name ?? step.id, action: step.action };
    const action = findAction(step.action);
    const targetMs = optionalDurationMs(step.target);
    const timeoutMs =
      optionalDurationMs(step.timeout) ?? (step.action === 'manual' ? undefined : DEFAULT_STEP_TIMEOUT_MS);
    const base = { step: step.id, phase };
    let started = this.#clock.t();
    const finish = (outcome: Outcome, result?: ActionResult): Outcome => {
      const durationMs = this.#clock.t() - started;
      const measuredMs = result?.measuredMs ?? durationMs;
      const metTarget = targetMs === undefined || outcome.status !== 'succeeded' ? undefined : measuredMs <= targetMs;
      if (metTarget === false) this.#missedTarget = true;
      this.#emit({
        type: 'step.finished',
        ...base,
        status: outcome.status,
        durationMs,
        measuredMs: result?.measuredMs,
        targetMs,
        metTarget,
        outputs: result?.outputs,
        error: outcome.error,
      });
      return outcome;
    };

    if (!action?.execute) return finish({ status: 'failed', error: `action "${step.action}" cannot run` });
    let input: unknown;
    try {
      input = resolveStepInput(action, step.with ?? {}, { params: this.#options.params, outputs: this.#outputs });
    } catch (error) {
      return finish({ status: 'failed', error: messageOf(error) });
    }
    // Asked before the step starts: its time is the action's, the person's answer is in the journal.
    if (action.mutating) {
      let approval: Approval;
      try {
        approval = await this.#approve(ref, action, input, step.context);
      } catch (error) {
        if (this.#options.signal.aborted) return finish({ status: 'interrupted', error: 'interrupted' });
        return finish({ status: 'failed', error: messageOf(error) });
      }
      if (approval === 'skip') return finish({ status: 'skipped' });
      if (approval === 'abort') return finish({ status: 'aborted', error: `declined at step "${step.id}"` });
    }

    this.#emit({
      type: 'step.started',
      ...base,
      name: ref.name,
      action: step.action,
      context: step.context,
      targetMs,
      timeoutMs,
    });
    started = this.#clock.t();
    const controller = new AbortController();
    const onInterrupt = (): void => {
      controller.abort(new Interrupted());
    };
    this.#stopStep = (why) => {
      controller.abort(why);
    };
    this.#options.signal.addEventListener('abort', onInterrupt, { once: true });
    const timer =
      timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(new StepTimeout(timeoutMs)), timeoutMs);
    try {
      const result = await action.execute(input as never, {
        step: { ...ref, context: step.context },
        cluster: () => this.#options.clusters.get(step.context),
        runbookDir: dirname(this.#options.file),
        signal: controller.signal,
        timeoutMs,
        progress: (message, data) => {
          this.#emit({ type: 'step.progress', step: step.id, message, data });
        },
        confirm: (instructions, question) => this.#confirm(ref, instructions, question),
      });
      controller.signal.throwIfAborted();
      this.#outputs[step.id] = result.outputs;
      return finish({ status: 'succeeded' }, result);
    } catch (error) {
      const cause: unknown = controller.signal.aborted ? controller.signal.reason : error;
      if (cause instanceof Interrupted) return finish({ status: 'interrupted', error: 'interrupted' });
      if (cause instanceof Tripped) return finish({ status: 'aborted', error: cause.message });
      // An action that times out on its own says more ("... last seen: ...") than the step's timer.
      const ownError = error instanceof Error && error !== cause && error.name !== 'AbortError';
      return finish({ status: 'failed', error: ownError ? error.message : messageOf(cause) });
    } finally {
      clearTimeout(timer);
      this.#stopStep = undefined;
      this.#options.signal.removeEventListener('abort', onInterrupt);
    }
  }

  async #approve(ref: StepRef, action: ActionSpec, input: unknown, context: string | undefined): Promise<Approval> {
    const { interaction } = this.#options;
    if (interaction.automatic) return 'run';
    const plan = action.plan
      ? (
          await action.plan(input as never, {
            cluster: () => this.#options.clusters.get(context),
            runbookDir: dirname(this.#options.file),
          })
        ).summary
      : action.summary;
    const answer = await interaction.approve(ref, plan);
    this.#emit({
      type: 'prompt.answered',
      step: ref.id,
      question: `Run "${ref.name}"? ${plan}`,
      answer,
      auto: false,
    });
    return answer;
  }

  async #confirm(ref: StepRef, instructions: string, question: string): Promise<boolean> {
    const { interaction } = this.#options;
    const answer = await interaction.confirm(ref, instructions, question);
    this.#emit({ type: 'prompt.answered', step: ref.id, question, answer, auto: interaction.automatic });
    return answer;
  }

  #emit(event: Unstamped<RunEvent>): void {
    const stamped = { ...event, at: this.#clock.at(), t: this.#clock.t() };
    for (const handler of this.#options.handlers) handler(stamped);
  }
}

/** Rollback steps with ids: their own, or rollback-N. */
export function rollbackSteps(runbook: Runbook): (RollbackStep & { id: string })[] {
  return (runbook.spec.rollback ?? []).map((step, index) => ({ ...step, id: step.id ?? `rollback-${index + 1}` }));
}
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
