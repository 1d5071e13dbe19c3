// Measuring a drain: a measure takes its baseline just before the drain is applied, then is sampled
// from the moment it is applied until the remaining share has stayed at or below 1 - threshold for
// the hold. The result is what traffic.drain reports: time-to-drain, the standard crossings and the
// curve. Each share is dated by the moment it describes, as its source knows it (the scrape behind a
// Prometheus rate, the watch event that changed an endpoint count, the request an answer came to),
// not by when the measure got to read it: read late, a drain would always look slower than it was.
// A measure whose source has no baseline yet (a metric not scraped twice since its exporter
// or Prometheus started) waits for one, within a bound, saying so at each retry: a drill started a
// moment too early is not a failed drill.
import { setTimeout as delay } from 'node:timers/promises';
import { formatDuration } from '../../duration-text.ts';
import { type CurvePoint, REPORTED_THRESHOLDS, ShareTracker } from './share.ts';

export type MeasureSource = 'prometheus' | 'endpoints' | 'http';

/** A remaining share (1 at drain start) and the moment it describes. */
export interface SharePoint {
  share: number;
  /** When the share was so, on the monotonic clock (performance.now()); absent: when it was read. */
  at?: number;
}

/** What one reading of a measure learnt. */
export interface ShareReading {
  /** Shares not read before, oldest first; none when nothing changed. */
  points: SharePoint[];
  /** Until when the source is known to have kept its last share (monotonic clock); absent: the read. */
  asOf?: number;
}

/** A measure, once its baseline is taken. */
export interface ShareSampler {
  readonly source: MeasureSource;
  /** How often to sample; measures driven by watches sample their cached state cheaply. */
  readonly intervalMs: number;
  /**
   * The share moves continuously between points (a rate over an interval, a sliding window), so a
   * crossing is interpolated between them; otherwise it holds until the next point.
   */
  readonly continuous?: boolean;
  /**
   * Resolves when the source has news before `intervalMs` is up: a measure kept current by a watch
   * wakes the drain's loop at once instead of waiting for its next look.
   */
  changed?(): Promise<void>;
  sample(signal: AbortSignal): Promise<ShareReading>;
  close(): void;
}

/** Progress for the step's journal and live view. */
export type Progress = (message: string, data?: Record<string, unknown>) => void;

/** A measure before the drain: `start` takes its baseline, reporting any wait for one as progress. */
export interface ShareMeasure {
  readonly source: MeasureSource;
  /** What it measures, for messages and plans. */
  describe(): string;
  start(signal: AbortSignal, progress: Progress): Promise<ShareSampler>;
}

export interface BaselineWait<T> {
  /** Reads the source once. */
  read(signal: AbortSignal): Promise<T>;
  /** Why a reading is no baseline (no series, no traffic), or undefined when it is one. */
  missing(reading: T): string | undefined;
  /** Longest to wait for a baseline, from the first reading. */
  timeoutMs: number;
  /** Time between readings. */
  retryMs: number;
  source: MeasureSource;
  signal: AbortSignal;
  progress: Progress;
  /** The monotonic clock, in ms; injectable for tests. */
  now?: () => number;
}

/**
 * The first reading that is a baseline. Until one comes, each reading that is not is reported as
 * progress and read again after `retryMs`; after `timeoutMs`, or when the signal aborts (the step's
 * timeout), it fails saying why the last reading was none. Errors of `read` are not retried.
 */
export async function waitForBaseline<T>(wait: BaselineWait<T>): Promise<T> {
  const now = wait.now ?? (() => performance.now());
  const started = now();
  const waited = (): number => Math.round(now() - started);
  // Whole seconds in messages: "2s of 30s" rather than "2s104ms of 30s".
  const seconds = (ms: number): string => formatDuration(Math.round(ms / 1000) * 1000);
  for (;;) {
    const reading = await wait.read(wait.signal);
    const why = wait.missing(reading);
    if (why === undefined) return reading;
    const waitedMs = waited();
    if (waitedMs >= wait.timeoutMs) {
      throw new Error(`${why} before the drain, after waiting ${seconds(waitedMs)} for a baseline: nothing to measure`);
    }
    wait.progress(`no baseline yet: ${why}; waiting (${seconds(waitedMs)} of ${formatDuration(wait.timeoutMs)})`, {
      baseline: 'waiting',
      reason: why,
      waitedMs,
      timeoutMs: wait.timeoutMs,
      source: wait.source,
    });
    await delay(Math.min(wait.retryMs, wait.timeoutMs - waitedMs), undefined, { signal: wait.signal }).catch(
      () => undefined,
    );
    if (wait.signal.aborted) {
      throw new Error(`${why} before the drain, when the step stopped after ${seconds(waited())}: nothing to measure`);
    }
  }
}

export interface TimeToDrain {
  threshold: number;
  ms: number;
  source: MeasureSource;
}

export interface DrainMeasurement {
  timeToDrain: TimeToDrain;
  /** Ms from drain start to 50%, 90%, 99% and 100% of the traffic gone, by threshold; null if not reached. */
  thresholds: Record<string, number | null>;
  curve: CurvePoint[];
}

export interface MeasureOptions {
  threshold: number;
  holdMs: number;
  /** Give up after this long since drain start; undefined waits until the signal aborts. */
  timeoutMs?: number;
  signal: AbortSignal;
  progress: Progress;
  /**
   * When the drain's first change was sent (monotonic clock), once it has been: time is counted from
   * then rather than from `startedAt`, so the reads a drain makes before it changes anything (a
   * slow API server) do not count as time the traffic took to leave.
   */
  changedAt?: () => number | undefined;
  /** The monotonic clock, in ms; injectable for tests. */
  now?: () => number;
}

export class DrainNotReached extends Error {
  override name = 'DrainNotReached';
}

/**
 * Samples from `startedAt` (the monotonic time the drain began) until the share has stayed at or
 * below 1 - threshold for the hold. Fails at the timeout, or when the signal aborts (the step's
 * timeout), with a message giving the share reached.
 */
export async function measureDrain(
  sampler: ShareSampler,
  began: number,
  options: MeasureOptions,
): Promise<DrainMeasurement> {
  const now = options.now ?? (() => performance.now());
  const startedAt = (): number => options.changedAt?.() ?? began;
  const tracker = new ShareTracker([...REPORTED_THRESHOLDS, options.threshold], options.holdMs, {
    continuous: sampler.continuous,
  });
  const deadline = (): number | undefined =>
    options.timeoutMs === undefined ? undefined : startedAt() + options.timeoutMs;
  const notReached = (why: string): DrainNotReached => {
    const last = tracker.last;
    const reached = last
      ? `the region still had ${percent(last[1])} of its traffic (lowest ${percent(tracker.lowest ?? last[1])})`
      : "no sample of the region's traffic was taken";
    return new DrainNotReached(
      `${percent(options.threshold)} of the region's traffic was not gone ${why}: ${reached}, measured by ${sampler.source}`,
    );
  };
  try {
    for (;;) {
      if (options.signal.aborted) {
        throw notReached(`when the step stopped after ${formatDuration(Math.round(now() - startedAt()))}`);
      }
      const reading = await sampler.sample(options.signal).catch((error: unknown) => {
        if (options.signal.aborted) return undefined;
        throw error;
      });
      const read = now();
      // A share known from before the drain (its baseline's) holds at its start.
      const msOf = (at: number | undefined): number => Math.max(0, Math.round((at ?? read) - startedAt()));
      if (reading !== undefined) {
        for (const { share, at } of reading.points) {
          const ms = msOf(at);
          tracker.add(ms, share);
          options.progress(`share ${share.toFixed(2)}`, { share, ms, source: sampler.source });
        }
        tracker.heldUntil(msOf(reading.asOf));
        const crossed = tracker.crossedAt(options.threshold);
        if (crossed !== undefined) {
          return {
            timeToDrain: { threshold: options.threshold, ms: crossed, source: sampler.source },
            thresholds: pick(tracker.crossings(true), REPORTED_THRESHOLDS),
            curve: tracker.curve(),
          };
        }
      }
      const end = deadline();
      if (end !== undefined && now() >= end) {
        throw notReached(`within its timeout of ${formatDuration(options.timeoutMs ?? 0)}`);
      }
      const wait = Math.min(sampler.intervalMs, end === undefined ? Infinity : Math.max(0, end - now()));
      await nextLook(wait, sampler, options.signal);
    }
  } finally {
    sampler.close();
  }
}

function pick(crossings: Record<string, number | null>, thresholds: readonly number[]): Record<string, number | null> {
  return Object.fromEntries(thresholds.map((t) => [String(t), crossings[String(t)] ?? null]));
}

export function percent(share: number): string {
  const value = share * 100;
  return `${Number.isInteger(value) ? value : Number(value.toFixed(value < 1 ? 2 : 1))}%`;
}

/**
 * Resolves after `ms`, when the sampler has news, or when the signal aborts (without error: the
 * loop checks the signal itself).
 */
async function nextLook(ms: number, sampler: ShareSampler, signal: AbortSignal): Promise<void> {
  const looked = new AbortController();
  const timer = delay(ms, undefined, { signal: AbortSignal.any([signal, looked.signal]) }).catch(() => undefined);
  await Promise.race(sampler.changed ? [timer, sampler.changed()] : [timer]);
  looked.abort();
}
