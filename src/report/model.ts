// report.json, built from the run's events (DESIGN.md section 5). Everything a renderer shows is
// here, so every format (src/report/render/) is a function of the journal alone: the timeline's
// offsets (`t`), the drain curves (from the drain's outputs, or from its sampled progress when the
// step never finished), and every answer given, with who gave it.
import { BoundedCurve, type CurvePoint, MAX_CURVE_POINTS } from '../kube/traffic/share.ts';
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
  finishedAt?: string;
  /** When the step started and ended, in ms since the run started (the journal's `t`), for timelines. */
  startMs?: number;
  endMs?: number;
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

/** The region's remaining share of traffic over a drain step, as the drain measured it. */
export interface DrainCurve {
  step: string;
  source?: string;
  /** The share that had to be gone, and when it was (ms since the drain), once the drain succeeded. */
  threshold?: number;
  crossedMs?: number;
  /** `[msSinceDrainStart, remainingShare]`, bounded in number. */
  points: CurvePoint[];
}

/** A question the run asked (an approval, a manual step's confirmation, whether to roll back). */
export interface Answer {
  step: string;
  question: string;
  answer: string | boolean;
  /** --yes answered it. */
  auto: boolean;
  /** The OS user who answered; absent in journals from before it was kept. */
  by?: string;
  at: string;
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
  curves: DrainCurve[];
  answers: Answer[];
  /** How many changes the steps journaled before making them. */
  recordedChanges: number;
  /** Each time `kubectl drill resume` went on with the run: from which step, after how long a gap. */
  resumes: { at: string; fromStep: string; gapMs: number }[];
  /** The last rollback of the run, by the run itself or by `kubectl drill rollback`. */
  rollback?: RollbackReport;
  /**
   * Set when the report was read back from a journal that has no `run.finished` after its last
   * start or resume: the run was killed (or is still going). Its status then reads `interrupted`.
   */
  unfinished?: { lastEventAt: string; journalCut: boolean };
}

/** Folds events into a report; usable live (a partial run has a partial report). */
export class ReportBuilder {
  #report: Report | undefined;
  /** The sampled share of each drain step still running, bounded as the drain bounds its own. */
  readonly #sampled = new Map<string, BoundedCurve>();

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
          curves: [],
          answers: [],
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
        step.startMs = event.t;
        step.targetMs = event.targetMs;
        break;
      }
      case 'step.progress':
        this.#sample(event.step, event.data);
        break;
      case 'prompt.answered':
        this.#required().answers.push({
          step: event.step,
          question: event.question,
          answer: event.answer,
          auto: event.auto,
          by: event.by,
          at: event.at,
        });
        break;
      case 'step.finished': {
        const report = this.#required();
        const step = report.steps.find((s) => s.id === event.step && s.phase === event.phase);
        if (!step) break;
        Object.assign(step, {
          status: event.status,
          finishedAt: event.at,
          endMs: event.t,
          startMs: step.startMs ?? event.t,
          durationMs: event.durationMs,
          measuredMs: event.measuredMs,
          targetMs: event.targetMs ?? step.targetMs,
          metTarget: event.metTarget,
          outputs: event.outputs ?? {},
          error: event.error,
        });
        const drained = timeToDrainOf(event.outputs);
        if (event.status === 'succeeded' && drained) report.timeToDrain.push({ step: event.step, ...drained });
        const curve = curveOf(event.outputs);
        if (curve) {
          this.#curve(event.step).points = curve;
          Object.assign(this.#curve(event.step), drained && { threshold: drained.threshold, crossedMs: drained.ms });
        }
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

  /** A drain's sample (`{ share, ms, source }` progress data) adds a point to its step's curve. */
  #sample(step: string, data: Record<string, unknown> | undefined): void {
    if (typeof data?.share !== 'number' || typeof data.ms !== 'number') return;
    let sampled = this.#sampled.get(step);
    if (!sampled) {
      sampled = new BoundedCurve(MAX_CURVE_POINTS);
      this.#sampled.set(step, sampled);
    }
    sampled.add(data.ms, data.share);
    const curve = this.#curve(step);
    curve.points = sampled.points();
    if (typeof data.source === 'string') curve.source = data.source;
  }

  #curve(step: string): DrainCurve {
    const curves = this.#required().curves;
    let curve = curves.find((c) => c.step === step);
    if (!curve) {
      curve = { step, points: [] };
      curves.push(curve);
    }
    return curve;
  }

  get report(): Report {
    return this.#required();
  }

  #required(): Report {
    if (!this.#report) throw new Error('no run.started event yet');
    return this.#report;
  }
}

/** The `curve` output of a traffic drain step: `[ms, share]` pairs. */
function curveOf(outputs: Record<string, unknown> | undefined): CurvePoint[] | undefined {
  const curve = outputs?.curve;
  if (!Array.isArray(curve)) return undefined;
  const points = curve.filter(
    (p): p is CurvePoint => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number',
  );
  return points.length > 0 ? points : undefined;
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
