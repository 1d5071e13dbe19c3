// report.json, built from the run's events (DESIGN.md section 5).
import type {
  PlannedSpan,
  RollbackStatus,
  RunEvent,
  RunStarted,
  RunStatus,
  StepPhase,
  StepStatus,
  UndoOutcomeKind,
} from '../engine/events.ts';

export interface StepReport {
  id: string;
  name: string;
  action: string;
  phase: StepPhase;
  status: StepStatus;
  startedAt?: string;
  durationMs: number;
  measuredMs?: number;
  targetMs?: number;
  metTarget?: boolean;
  outputs: Record<string, unknown>;
  error?: string;
}

/** A drain step's time until the region's share of traffic fell past its threshold. */
export interface TimeToDrain {
  step: string;
  threshold: number;
  ms: number;
  source: string;
}

/** A span: its time once measured (its `to` step succeeded after its `from` step ran). */
export interface SpanReport extends PlannedSpan {
  ms?: number;
  metTarget?: boolean;
}

/** The rollback phase: why, and what each recorded change came to. */
export interface RollbackReport {
  reason: string;
  status: RollbackStatus | 'running';
  startedAt: string;
  durationMs?: number;
  counts?: Record<UndoOutcomeKind, number>;
  undone: { id: number; step: string; result: UndoOutcomeKind; lines: string[] }[];
}

export interface Report extends Pick<RunStarted, 'runId' | 'runbook' | 'file' | 'context' | 'params'> {
  status: RunStatus | 'running';
  startedAt: string;
  finishedAt?: string;
  durationMs: number;
  targetMs?: number;
  metTarget?: boolean;
  reason?: string;
  steps: StepReport[];
  timeToDrain: TimeToDrain[];
  spans: SpanReport[];
  /** How many changes the steps journaled before making them. */
  recordedChanges: number;
  /** Each time `kubectl drill resume` went on with the run: from which step, after how long a gap. */
  resumes: { at: string; fromStep: string; gapMs: number }[];
  /** The last rollback of the run, by the run itself or by `kubectl drill rollback`. */
  rollback?: RollbackReport;
}

/** Folds events into a report; usable live (a partial run has a partial report). */
export class ReportBuilder {
  #report: Report | undefined;

  readonly handle = (event: RunEvent): void => {
    switch (event.type) {
      case 'run.started':
        this.#report = {
          runId: event.runId,
          runbook: event.runbook,
          file: event.file,
          context: event.context,
          params: event.params,
          status: 'running',
          startedAt: event.at,
          durationMs: 0,
          targetMs: event.targetMs,
          steps: event.steps.map((s) => ({
            id: s.id,
            name: s.name,
            action: s.action,
            phase: 'steps',
            status: 'not-run',
            durationMs: 0,
            targetMs: s.targetMs,
            outputs: {},
          })),
          timeToDrain: [],
          spans: (event.spans ?? []).map((span) => ({ ...span })),
          recordedChanges: 0,
          resumes: [],
        };
        break;
      case 'step.started': {
        const report = this.#required();
        let step = report.steps.find((s) => s.id === event.step && s.phase === event.phase);
        if (!step) {
          step = {
            id: event.step,
            name: event.name,
            action: event.action,
            phase: event.phase,
            status: 'not-run',
            durationMs: 0,
            outputs: {},
          };
          report.steps.push(step);
        }
        step.startedAt = event.at;
        step.targetMs = event.targetMs;
        break;
      }
      case 'step.finished': {
        const report = this.#required();
        const step = report.steps.find((s) => s.id === event.step && s.phase === event.phase);
        if (!step) break;
        Object.assign(step, {
          status: event.status,
          durationMs: event.durationMs,
          measuredMs: event.measuredMs,
          targetMs: event.targetMs ?? step.targetMs,
          metTarget: event.metTarget,
          outputs: event.outputs ?? {},
          error: event.error,
        });
        const drained = timeToDrainOf(event.outputs);
        if (event.status === 'succeeded' && drained) report.timeToDrain.push({ step: event.step, ...drained });
        break;
      }
      case 'span.measured': {
        const span = this.#required().spans.find((s) => s.name === event.name);
        if (span) Object.assign(span, { ms: event.ms, metTarget: event.metTarget });
        break;
      }
      case 'run.resumed': {
        const report = this.#required();
        report.resumes.push({ at: event.at, fromStep: event.fromStep, gapMs: event.gapMs });
        // The run goes on: its end and verdict come from the next run.finished.
        Object.assign(report, { status: 'running', finishedAt: undefined, reason: undefined });
        break;
      }
      case 'undo.recorded':
        if (event.phase === 'steps') this.#required().recordedChanges++;
        break;
      case 'rollback.started':
        this.#required().rollback = { reason: event.reason, status: 'running', startedAt: event.at, undone: [] };
        break;
      case 'undo.finished':
        this.#required().rollback?.undone.push({
          id: event.id,
          step: event.step,
          result: event.result,
          lines: event.lines,
        });
        break;
      case 'rollback.finished': {
        const rollback = this.#required().rollback;
        if (rollback)
          Object.assign(rollback, { status: event.status, durationMs: event.durationMs, counts: event.counts });
        break;
      }
      case 'run.finished': {
        const report = this.#required();
        Object.assign(report, {
          status: event.status,
          finishedAt: event.at,
          durationMs: event.durationMs,
          metTarget: event.metTarget,
          reason: event.reason,
        });
        break;
      }
      default:
        break;
    }
  };

  get report(): Report {
    return this.#required();
  }

  #required(): Report {
    if (!this.#report) throw new Error('no run.started event yet');
    return this.#report;
  }
}

/** The `timeToDrain` output of a traffic drain step: `{ threshold, ms, source }`. */
function timeToDrainOf(outputs: Record<string, unknown> | undefined): Omit<TimeToDrain, 'step'> | undefined {
  const value = outputs?.timeToDrain as Partial<TimeToDrain> | undefined;
  if (typeof value?.threshold !== 'number' || typeof value.ms !== 'number') return undefined;
  return {
    threshold: value.threshold,
    ms: value.ms,
    source: typeof value.source === 'string' ? value.source : 'unknown',
  };
}
