// The events of a run. The journal, the live view and the report are all built from this one
// stream, so what the journal says happened is exactly what the report and the screen showed.

export type RunStatus = 'succeeded' | 'failed' | 'aborted' | 'interrupted';
export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'aborted' | 'interrupted';
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
  steps: PlannedStep[];
  rollback: PlannedStep[];
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
  RunStarted | StepStarted | StepProgress | StepFinished | PromptAnswered | RunProgress | RunFinished;

/** Everything an event carries but its stamp, for emitters. */
export type Unstamped<E extends RunEvent> = E extends RunEvent ? Omit<E, 'at' | 't'> : never;

export type EventHandler = (event: RunEvent) => void;
