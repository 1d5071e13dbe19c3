import type { Change, UndoResult } from '../kube/changes.ts';

// The events of a run. The journal, the live view and the report are all built from this one
// stream, so what the journal says happened is exactly what the report and the screen showed.

export type RunStatus = 'succeeded' | 'failed' | 'aborted' | 'interrupted';
/** `not-run`: the run ended (or started with --from/--only) before it reached the step. */
export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'aborted' | 'interrupted' | 'not-run';
export type StepPhase = 'steps' | 'rollback';

interface Stamp {
  /** Wall clock, ISO 8601. */
  at: string;
  /** Milliseconds since the run started, on a monotonic clock. */
  t: number;
}

export interface RunStarted extends Stamp {
  type: 'run.started';
  runId: string;
  runbook: string;
  file: string;
  context: string;
  params: Record<string, string>;
  targetMs?: number;
  /** sha256 of the runbook file as run; the run folder keeps a copy (runbook.yaml). */
  runbookSha256: string;
  steps: PlannedStep[];
  rollback: PlannedStep[];
  /** The runbook's spans (absent in journals from before spans existed). */
  spans?: PlannedSpan[];
}

export interface PlannedSpan {
  name: string;
  from: string;
  to: string;
  targetMs?: number;
}

export interface PlannedStep {
  id: string;
  name: string;
  action: string;
  targetMs?: number;
}

export interface StepStarted extends Stamp {
  type: 'step.started';
  step: string;
  phase: StepPhase;
  name: string;
  action: string;
  context?: string;
  targetMs?: number;
  timeoutMs?: number;
}

export interface StepProgress extends Stamp {
  type: 'step.progress';
  step: string;
  message: string;
  data?: Record<string, unknown>;
}

export interface StepFinished extends Stamp {
  type: 'step.finished';
  step: string;
  phase: StepPhase;
  status: StepStatus;
  durationMs: number;
  /** What the target is compared with: the step's time, unless the action measures its own. */
  measuredMs?: number;
  targetMs?: number;
  metTarget?: boolean;
  outputs?: Record<string, unknown>;
  error?: string;
}

/** A span's time, once its `to` step has succeeded: from the start of `from` to the end of `to`. */
export interface SpanMeasured extends Stamp, PlannedSpan {
  type: 'span.measured';
  ms: number;
  metTarget?: boolean;
}

/** `kubectl drill resume`: the run goes on, in the same journal, after a gap. */
export interface RunResumed extends Stamp {
  type: 'run.resumed';
  /** The first step run again: the one that had started but not finished, or the next. */
  fromStep: string;
  /** Milliseconds between the last event before the resume and the resume. */
  gapMs: number;
}

/** Something about the run as a whole, such as an abortIf condition that cannot be sampled. */
export interface RunProgress extends Stamp {
  type: 'run.progress';
  message: string;
}

export interface PromptAnswered extends Stamp {
  type: 'prompt.answered';
  step: string;
  question: string;
  answer: string | boolean;
  /** True when --yes answered it. */
  auto: boolean;
  /** The OS user who answered (or passed --yes); absent in journals from before it was kept. */
  by?: string;
}

/** A change a step is about to make, journaled before it makes it (DESIGN.md, compensation). */
export interface UndoRecorded extends Stamp {
  type: 'undo.recorded';
  /** Sequence number within the run; undo events refer to it. */
  id: number;
  step: string;
  phase: StepPhase;
  /** The step's `context:`, where the change was made. */
  context?: string;
  change: Change;
}

export interface RollbackStarted extends Stamp {
  type: 'rollback.started';
  /** Why: the failure, the abort, the interruption, or `kubectl drill rollback`. */
  reason: string;
  steps: PlannedStep[];
  /** Recorded changes still to undo, newest first. */
  records: number[];
}

export type UndoOutcomeKind = UndoResult | 'failed';

export interface UndoFinished extends Stamp {
  type: 'undo.finished';
  /** The undo.recorded event's id. */
  id: number;
  step: string;
  result: UndoOutcomeKind;
  lines: string[];
  durationMs: number;
}

export type RollbackStatus = 'succeeded' | 'conflicts' | 'failed';

export interface RollbackFinished extends Stamp {
  type: 'rollback.finished';
  /** succeeded: everything put back or already as before; conflicts: some left alone; failed: some undo failed. */
  status: RollbackStatus;
  durationMs: number;
  counts: Record<UndoOutcomeKind, number>;
}

export interface RunFinished extends Stamp {
  type: 'run.finished';
  status: RunStatus;
  durationMs: number;
  targetMs?: number;
  metTarget?: boolean;
  reason?: string;
}

export type RunEvent =
  | RunStarted
  | StepStarted
  | StepProgress
  | StepFinished
  | PromptAnswered
  | RunProgress
  | RunResumed
  | SpanMeasured
  | UndoRecorded
  | RollbackStarted
  | UndoFinished
  | RollbackFinished
  | RunFinished;

/** Everything an event carries but its stamp, for emitters. */
export type Unstamped<E extends RunEvent> = E extends RunEvent ? Omit<E, 'at' | 't'> : never;

export type EventHandler = (event: RunEvent) => void;
