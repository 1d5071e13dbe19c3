// Runs a runbook's steps in order, timing each against its target, and reports everything that
// happens as events. It knows nothing of terminals: the live view, the journal and the report are
// handlers of its events, and questions go through an Interaction.
//
// Compensation (DESIGN.md section 3) lives here too. Each step journals what it is about to change
// (`undo.recorded`) before changing it; whenever the run stops short of success (a failed step,
// an abortIf trip, an abort answer, an interruption) the rollback phase runs the runbook's
// rollback steps, then undoes the recorded changes newest first. `kubectl drill rollback` runs the
// same phase later from the journal alone. A handler that throws (a view, a report) is isolated:
// it can never skip the rollback or the closing `run.finished`.
//
// A journal that cannot be written (a full disk, its folder removed) stops the run before its next
// change: the step under way is stopped (`aborted`), no other step starts, a change whose record
// could not be written is not made, and the rollback undoes the changes from the records the run
// keeps in memory. Each later event is still offered to the journal (space may come back: the first
// event stored again is preceded by a run.progress giving the gap), but a failure no longer stops
// anything: the rollback goes on, and the terminal is told.
//
// Every event is stamped through the run's Redactor (redact.ts) before the journal or any handler
// sees it, and so is every text shown to the person at a prompt: no secret leaves the run.

import type { ActionResult, ActionSpec } from '../actions/action.ts';
import { dirname } from 'node:path';
import { findAction } from '../actions/registry.ts';
import { type Change, type UndoOutcome, undoChange } from '../kube/changes.ts';
import type { Clusters } from '../kube/cluster.ts';
import { formatDuration, optionalDurationMs } from '../runbook/duration.ts';
import { resolveStepInput } from '../runbook/resolve.ts';
import type { RollbackStep, Runbook, Step } from '../runbook/schema.ts';
import { watchAbortConditions } from './abort-conditions.ts';
import { type Clock, startClock } from './clock.ts';
import { JournalWriteError } from './journal.ts';
import type {
  EventHandler,
  PlannedSpan,
  PlannedStep,
  RollbackStatus,
  RunEvent,
  RunStatus,
  StepPhase,
  StepStatus,
  UndoOutcomeKind,
  Unstamped,
} from './events.ts';
import type { Approval, Interaction, StepRef } from './interaction.ts';
import { operatorName } from './operator.ts';
import { maskedParams, type Redactor, runbookRedactor, secretInputValues } from './redact.ts';
import type { RollbackPolicy } from './rollback-policy.ts';
import { withApiScope } from '../kube/resilience.ts';

/** A step with no `timeout` may run this long; manual steps wait for their person indefinitely. */
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000;

/** What interrupted a run: Ctrl-C (a person is there), or a signal nobody answers questions after. */
export type InterruptSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** A change the run's steps recorded, as the journal keeps it. */
export interface RecordedChange {
  id: number;
  step: string;
  context?: string;
  change: Change;
}

/** Undoes one recorded change on the cluster of its context. */
export type Undo = (record: RecordedChange, clusters: Clusters) => Promise<UndoOutcome>;

export const undoOnCluster: Undo = async (record, clusters) =>
  undoChange(await clusters.get(record.context), record.change);

export interface RunOptions {
  runId: string;
  runbook: Runbook;
  file: string;
  /** sha256 of the runbook file, journaled with run.started. */
  runbookSha256: string;
  /** Every param with its value: defaults overridden by --set. */
  params: Record<string, string>;
  clusters: Clusters;
  interaction: Interaction;
  /** The journal: called first for every event; its failure to store a change stops that change. */
  journal: EventHandler;
  /** Everything else that watches the run (report, view); isolated from each other and the run. */
  handlers: EventHandler[];
  /** Interruption (Ctrl-C, SIGTERM, SIGHUP; the reason is the InterruptSignal): the running step stops. */
  signal: AbortSignal;
  rollbackPolicy?: RollbackPolicy;
  /** Start at this step; the ones before it are not run. */
  from?: string;
  /** Run this step alone. */
  only?: string;
  /** The actions by name; tests run the engine with actions of their own. */
  actions?: (name: string) => ActionSpec | undefined;
  undo?: Undo;
  /**
   * The run's surroundings (its lock, the cluster's audit trail), told once the run has started
   * (after run.started; a rollback alone, as it begins), with a way to have their say in the run's
   * own stream, as run.progress.
   */
  onStarted?: (say: (message: string) => void) => void;
}

export interface RunResult {
  status: RunStatus;
  durationMs: number;
  /** Every step that ran succeeded, but at least one target was missed. */
  missedTarget: boolean;
  rollback?: RollbackStatus;
  /** Why the journal could not be written, when it could not: the run stopped there. */
  journalFailure?: string;
}

/** A run read back from its journal, for `kubectl drill rollback`. */
export interface PriorRun {
  /** Wall clock of run.started, so `t` goes on from the original start. */
  startedAt: string;
  outputs: Record<string, Record<string, unknown>>;
  changes: RecordedChange[];
  /** Ids of changes already undone (or found as before, or in conflict). */
  settled: number[];
  /** The next free undo record id. */
  nextId: number;
  /** When each step that ran started (`t`), for spans that cross the gap. */
  stepStarts: Record<string, number>;
  /** A step before the gap missed its target. */
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

/** The journal cannot be written: no further change may be made. */
class JournalBroken extends Error {}

const NEVER_ABORTED = new AbortController().signal;

export async function runRunbook(options: RunOptions): Promise<RunResult> {
  return new Run(options).execute();
}

/** Goes on with an interrupted or killed run from step `from` (options.from), after a gap. */
export async function resumeRun(options: RunOptions, prior: PriorRun, gapMs: number): Promise<RunResult> {
  return new Run(options, prior).resume(gapMs);
}

/** The rollback phase alone, appended to a run that already ended (or died). */
export async function rollBackRun(
  options: Omit<RunOptions, 'signal' | 'from' | 'only' | 'rollbackPolicy'>,
  prior: PriorRun,
  reason: string,
): Promise<{ status: RollbackStatus; journalFailure?: string }> {
  const run = new Run({ ...options, signal: NEVER_ABORTED }, prior);
  const status = await run.rollBack(reason);
  return { status, journalFailure: run.journalFailure };
}

class Run {
  readonly #options: RunOptions;
  readonly #clock: Clock;
  readonly #outputs: Record<string, Record<string, unknown>>;
  readonly #changes: RecordedChange[];
  readonly #settled: Set<number>;
  #nextId: number;
  #missedTarget = false;
  /** Why an abortIf condition stopped the run, once one has. */
  #tripped: Tripped | undefined;
  /** Stops the running step. */
  #stopStep: ((reason: Error) => void) | undefined;
  /** When each step of the run started (`t`), for spans. */
  readonly #stepStarts = new Map<string, number>();
  readonly #spans: PlannedSpan[];
  readonly #redactor: Redactor;
  #announced = false;
  /** The first failure to write the journal; the run stops at it. */
  #journalFailure: JournalWriteError | undefined;
  #rollingBack = false;
  /** Events the journal failed to store since the last it stored. */
  #unjournaled = 0;

  constructor(options: RunOptions, prior?: PriorRun) {
    this.#options = options;
    this.#redactor = runbookRedactor(options.runbook, options.params, options.actions);
    this.#clock = startClock(prior ? Date.now() - Date.parse(prior.startedAt) : 0);
    this.#outputs = { ...prior?.outputs };
    this.#changes = [...(prior?.changes ?? [])];
    this.#settled = new Set(prior?.settled);
    this.#nextId = prior?.nextId ?? 1;
    this.#missedTarget = prior?.missedTarget ?? false;
    for (const [step, t] of Object.entries(prior?.stepStarts ?? {})) this.#stepStarts.set(step, t);
    this.#spans = (options.runbook.spec.spans ?? []).map((span) => ({
      name: span.name,
      from: span.from,
      to: span.to,
      targetMs: optionalDurationMs(span.target),
    }));
  }

  async execute(): Promise<RunResult> {
    const { runbook, params, runId, file, runbookSha256 } = this.#options;
    const cluster = await this.#options.clusters.get();
    this.#emit({
      type: 'run.started',
      runId,
      runbook: runbook.metadata.name,
      file,
      runbookSha256,
      context: cluster.context,
      params: maskedParams(runbook, params),
      targetMs: optionalDurationMs(runbook.spec.target),
      steps: runbook.spec.steps.map(plannedStep),
      rollback: rollbackSteps(runbook).map(plannedStep),
      spans: this.#spans,
    });
    this.#announce();
    return this.#runToTheEnd();
  }

  /** Goes on with a run that was interrupted or killed, from `options.from`, in the same journal. */
  async resume(gapMs: number): Promise<RunResult> {
    const from = this.#options.from ?? '';
    this.#emit({ type: 'run.resumed', fromStep: from, gapMs });
    this.#announce();
    return this.#runToTheEnd();
  }

  async #runToTheEnd(): Promise<RunResult> {
    const runTargetMs = optionalDurationMs(this.#options.runbook.spec.target);
    const { status, reason } = await this.#runSteps();
    let rollback: RollbackStatus | undefined;
    if (status !== 'succeeded' && (await this.#shouldRollBack(status, reason))) {
      rollback = await this.rollBack(reason ?? status);
    }
    const durationMs = this.#clock.t();
    // A run that did not succeed never shows its target as met.
    const metTarget =
      runTargetMs === undefined ? undefined : status === 'succeeded' ? durationMs <= runTargetMs : false;
    if (metTarget === false) this.#missedTarget = true;
    this.#emit({ type: 'run.finished', status, durationMs, targetMs: runTargetMs, metTarget, reason });
    return {
      status,
      durationMs,
      missedTarget: status === 'succeeded' && this.#missedTarget,
      rollback,
      journalFailure: this.#journalFailure?.message,
    };
  }

  async #runSteps(): Promise<{ status: RunStatus; reason?: string }> {
    const { runbook, params, signal } = this.#options;
    let result: { status: RunStatus; reason?: string } = { status: 'succeeded' };
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
    try {
      for (const step of this.#selectedSteps()) {
        if (this.#journalFailure) return this.#stoppedByJournal(this.#journalFailure);
        if (signal.aborted) return { status: 'interrupted', reason: interruptReason(signal) };
        if (this.#tripped) return { status: 'aborted', reason: this.#tripped.message };
        const outcome = await this.#runStep(step, 'steps', signal);
        if (outcome.status === 'succeeded' || outcome.status === 'skipped') continue;
        if (outcome.status === 'interrupted') return { status: 'interrupted', reason: interruptReason(signal) };
        if (outcome.status === 'aborted') return { status: 'aborted', reason: outcome.error };
        result = { status: 'failed', reason: `step "${step.id}" failed: ${outcome.error}` };
        if ((step.onFailure ?? 'abort') !== 'continue') return result;
      }
      // The last step's end could not be journaled: the run is not known to be whole, so it is undone.
      return this.#journalFailure ? this.#stoppedByJournal(this.#journalFailure) : result;
    } finally {
      stopWatching();
    }
  }

  #stoppedByJournal(failure: JournalWriteError): { status: RunStatus; reason: string } {
    return { status: 'aborted', reason: failure.message };
  }

  /** The run's policy, and in a terminal the person's say (rolling back is the default answer). */
  async #shouldRollBack(status: RunStatus, reason: string | undefined): Promise<boolean> {
    const policy = this.#options.rollbackPolicy ?? 'always';
    if (policy === 'never' || (policy === 'on-failure' && status === 'interrupted')) {
      this.#emit({ type: 'run.progress', message: `not rolled back (--rollback ${policy})` });
      return false;
    }
    const { interaction, signal } = this.#options;
    // After SIGTERM or SIGHUP nobody is there to answer, and time may be short: roll back.
    const signalled = status === 'interrupted' && interruptSignal(signal) !== 'SIGINT';
    if (interaction.automatic || signalled || !this.#hasUndoWork()) return this.#hasUndoWork();
    const question = this.#redactor.text(`The drill stopped (${reason ?? status}). Roll back what it changed?`);
    const answer = await interaction.confirmRollback(question).catch(() => true);
    this.#emit({ type: 'prompt.answered', step: 'rollback', question, answer, auto: false, by: operatorName() });
    return answer;
  }

  #hasUndoWork(): boolean {
    return rollbackSteps(this.#options.runbook).length > 0 || this.#pendingChanges().length > 0;
  }

  #pendingChanges(): RecordedChange[] {
    return this.#changes.filter((record) => !this.#settled.has(record.id)).reverse();
  }

  /**
   * The rollback phase: the runbook's rollback steps, then every recorded change not yet undone,
   * newest first. A failed rollback step never stops the undo of the records: they are the net
   * under everything.
   */
  /** The first failure to write the journal, if there was one. */
  get journalFailure(): string | undefined {
    return this.#journalFailure?.message;
  }

  async rollBack(reason: string): Promise<RollbackStatus> {
    this.#rollingBack = true;
    this.#announce();
    const steps = rollbackSteps(this.#options.runbook);
    const pending = this.#pendingChanges();
    const started = this.#clock.t();
    this.#emit({
      type: 'rollback.started',
      reason,
      steps: steps.map(plannedStep),
      records: pending.map((record) => record.id),
    });
    for (const step of steps) {
      const outcome = await this.#runStep(step, 'rollback', NEVER_ABORTED);
      if (outcome.status === 'failed' && (step.onFailure ?? 'abort') === 'abort') break;
    }
    const counts: Record<UndoOutcomeKind, number> = {
      restored: 0,
      unchanged: 0,
      conflict: 0,
      irreversible: 0,
      failed: 0,
    };
    const undo = this.#options.undo ?? undoOnCluster;
    for (const record of pending) {
      const began = this.#clock.t();
      let result: UndoOutcomeKind;
      let lines: string[];
      try {
        ({ result, lines } = await undo(record, this.#options.clusters));
        // A failed undo stays pending, for `kubectl drill rollback` to try again.
        this.#settled.add(record.id);
      } catch (error) {
        result = 'failed';
        lines = [messageOf(error)];
      }
      counts[result]++;
      this.#emit({
        type: 'undo.finished',
        id: record.id,
        step: record.step,
        result,
        lines,
        durationMs: this.#clock.t() - began,
      });
    }
    const status: RollbackStatus = counts.failed > 0 ? 'failed' : counts.conflict > 0 ? 'conflicts' : 'succeeded';
    this.#emit({ type: 'rollback.finished', status, durationMs: this.#clock.t() - started, counts });
    return status;
  }

  #announce(): void {
    if (this.#announced) return;
    this.#announced = true;
    try {
      this.#options.onStarted?.((message) => {
        this.#emit({ type: 'run.progress', message });
      });
    } catch (error) {
      this.#emit({ type: 'run.progress', message: `the run's surroundings failed to start: ${messageOf(error)}` });
    }
  }

  #selectedSteps(): Step[] {
    const { runbook, from, only } = this.#options;
    const steps = runbook.spec.steps;
    if (only) return steps.filter((s) => s.id === only);
    if (from) return steps.slice(steps.findIndex((s) => s.id === from));
    return steps;
  }

  async #runStep(
    step: Step | (RollbackStep & { id: string }),
    phase: StepPhase,
    interrupt: AbortSignal,
  ): Promise<Outcome> {
    const ref: StepRef = { id: step.id, name: step.name ?? step.id, action: step.action };
    const action = (this.#options.actions ?? findAction)(step.action);
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
      this.#redactor.add(secretInputValues(action, input as Record<string, unknown>));
    } catch (error) {
      return finish({ status: 'failed', error: messageOf(error) });
    }
    // Asked before the step starts: its time is the action's, the person's answer is in the journal.
    // Rollback steps are not asked one by one: rolling back was agreed to as a whole.
    if (action.mutating && phase === 'steps') {
      let approval: Approval;
      try {
        approval = await this.#approve(ref, action, input, step.context);
      } catch (error) {
        if (interrupt.aborted) return finish({ status: 'interrupted', error: 'interrupted' });
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
    // Not even the step's start could be journaled: nothing of it runs.
    if (this.#journalFailure && phase === 'steps')
      return finish({ status: 'aborted', error: this.#journalFailure.message });
    started = this.#clock.t();
    if (phase === 'steps') this.#stepStarts.set(step.id, started);
    const controller = new AbortController();
    const onInterrupt = (): void => {
      controller.abort(new Interrupted());
    };
    this.#stopStep = (why) => {
      controller.abort(why);
    };
    interrupt.addEventListener('abort', onInterrupt, { once: true });
    const timer =
      timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(new StepTimeout(timeoutMs)), timeoutMs);
    const progress = (message: string, data?: Record<string, unknown>): void => {
      this.#emit({ type: 'step.progress', step: step.id, message, data });
    };
    try {
      // Its API requests retry transient failures until its signal ends, said as its progress.
      const apiScope = { signal: controller.signal, notice: (message: string) => progress(message) };
      const result = await withApiScope(apiScope, action.execute.bind(action), input as never, {
        step: { ...ref, context: step.context },
        cluster: () => this.#options.clusters.get(step.context),
        runbookDir: dirname(this.#options.file),
        signal: controller.signal,
        timeoutMs,
        progress,
        mask: (values) => {
          this.#redactor.add(values);
        },
        confirm: (instructions, question) => this.#confirm(ref, instructions, question),
        record: (change) => {
          this.#record(step.id, phase, step.context, change);
        },
        changes: () => this.#changes.map((record) => record.change),
      });
      controller.signal.throwIfAborted();
      this.#outputs[step.id] = result.outputs;
      const outcome = finish({ status: 'succeeded' }, result);
      if (phase === 'steps') this.#measureSpansEndingAt(step.id);
      return outcome;
    } catch (error) {
      const cause: unknown = controller.signal.aborted ? controller.signal.reason : error;
      if (cause instanceof Interrupted) return finish({ status: 'interrupted', error: 'interrupted' });
      if (cause instanceof Tripped || cause instanceof JournalBroken) {
        return finish({ status: 'aborted', error: cause.message });
      }
      // An action that times out on its own says more ("... last seen: ...") than the step's timer.
      const ownError = error instanceof Error && error !== cause && error.name !== 'AbortError';
      return finish({ status: 'failed', error: ownError ? error.message : messageOf(cause) });
    } finally {
      clearTimeout(timer);
      this.#stopStep = undefined;
      interrupt.removeEventListener('abort', onInterrupt);
    }
  }

  /** Spans whose `to` step just succeeded, and whose `from` step ran in this run. */
  #measureSpansEndingAt(stepId: string): void {
    const now = this.#clock.t();
    for (const span of this.#spans) {
      const start = this.#stepStarts.get(span.from);
      if (span.to !== stepId || start === undefined) continue;
      const ms = now - start;
      const metTarget = span.targetMs === undefined ? undefined : ms <= span.targetMs;
      if (metTarget === false) this.#missedTarget = true;
      this.#emit({ type: 'span.measured', ...span, ms, metTarget });
    }
  }

  /**
   * Journals a change before it is made; a journal that cannot store it stops the change (by
   * throwing into the action), and once the journal has failed no change of the steps is made.
   * A rollback step's change goes ahead without its record: the rollback never undoes its own
   * changes, and it must go on.
   */
  #record(step: string, phase: StepPhase, context: string | undefined, change: Change): void {
    if (this.#journalFailure && phase === 'steps') throw new JournalBroken(this.#journalFailure.message);
    const id = this.#nextId++;
    const event = this.#stamp({ type: 'undo.recorded', id, step, phase, context, change });
    try {
      this.#journal(event);
    } catch (error) {
      if (!(error instanceof JournalWriteError)) throw error;
      this.#journalBroke(error);
      if (phase === 'steps') throw error;
    }
    // Changes made while rolling back are the rollback's own, never undone by it.
    if (phase === 'steps') this.#changes.push({ id, step, context, change });
    this.#notify(event);
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
    const answer = await interaction.approve(ref, this.#redactor.text(plan));
    this.#emit({
      type: 'prompt.answered',
      step: ref.id,
      question: `Run "${ref.name}"? ${plan}`,
      answer,
      auto: false,
      by: operatorName(),
    });
    return answer;
  }

  async #confirm(ref: StepRef, instructions: string, question: string): Promise<boolean> {
    const { interaction } = this.#options;
    const answer = await interaction.confirm(ref, this.#redactor.text(instructions), this.#redactor.text(question));
    this.#emit({
      type: 'prompt.answered',
      step: ref.id,
      question,
      answer,
      auto: interaction.automatic,
      by: operatorName(),
    });
    return answer;
  }

  /** The one way an event is made: stamped, and masked before anyone sees it. */
  #stamp(event: Unstamped<RunEvent>): RunEvent {
    return this.#redactor.event({ ...event, at: this.#clock.at(), t: this.#clock.t() });
  }

  #emit(event: Unstamped<RunEvent>): void {
    const stamped = this.#stamp(event);
    try {
      this.#journal(stamped);
    } catch (error) {
      if (error instanceof JournalWriteError) this.#journalBroke(error);
      else this.#notify(this.#stamp({ type: 'run.progress', message: `journal: ${messageOf(error)}` }));
    }
    this.#notify(stamped);
  }

  /** Writes an event; the first written after some that could not be is preceded by a word on the gap. */
  #journal(event: RunEvent): void {
    if (this.#unjournaled > 0 && this.#journalFailure) {
      const gap = `${String(this.#unjournaled)} events before this one could not be journaled (${this.#journalFailure.message})`;
      this.#options.journal(this.#stamp({ type: 'run.progress', message: gap }));
      this.#unjournaled = 0;
    }
    try {
      this.#options.journal(event);
    } catch (error) {
      if (error instanceof JournalWriteError) this.#unjournaled++;
      throw error;
    }
  }

  /** The first failure to write the journal stops the step under way; the rollback is never stopped. */
  #journalBroke(error: JournalWriteError): void {
    if (this.#journalFailure) return;
    this.#journalFailure = error;
    const then = this.#rollingBack ? 'the rollback goes on without it' : 'the run stops before its next change';
    this.#notify(this.#stamp({ type: 'run.progress', message: `${error.message}: ${then}` }));
    if (!this.#rollingBack) this.#stopStep?.(new JournalBroken(error.message));
  }

  /** Every handler sees the event; one that throws is reported to the others and skipped. */
  #notify(event: RunEvent, reporting = false): void {
    for (const handler of this.#options.handlers) {
      try {
        handler(event);
      } catch (error) {
        if (!reporting) {
          this.#notify(this.#stamp({ type: 'run.progress', message: `a handler failed: ${messageOf(error)}` }), true);
        }
      }
    }
  }
}

function plannedStep(step: Step | (RollbackStep & { id: string })): PlannedStep {
  return { id: step.id, name: step.name ?? step.id, action: step.action, targetMs: optionalDurationMs(step.target) };
}

function interruptSignal(signal: AbortSignal): InterruptSignal | undefined {
  const reason: unknown = signal.reason;
  return reason === 'SIGINT' || reason === 'SIGTERM' || reason === 'SIGHUP' ? reason : undefined;
}

function interruptReason(signal: AbortSignal): string {
  const received = interruptSignal(signal);
  return received ? `interrupted (${received})` : 'interrupted';
}

/** Rollback steps with ids: their own, or rollback-N. */
export function rollbackSteps(runbook: Runbook): (RollbackStep & { id: string })[] {
  return (runbook.spec.rollback ?? []).map((step, index) => ({ ...step, id: step.id ?? `rollback-${index + 1}` }));
}
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
