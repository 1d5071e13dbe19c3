// The region's remaining traffic share over time, as pure functions of samples: when it crossed
// each threshold (a crossing counts only once the share has stayed at or below the level for the
// hold, so one quiet sample does not end a drain), and the sampled curve, bounded in size.
// Samples are dated by the moment they describe, not by when they were read. Between two samples
// a share either holds (a count of endpoints changes at an event: the crossing is the first sample
// at or below the level) or moves continuously (a rate averaged over a scrape interval: the crossing
// is interpolated between the last sample above the level and the first at or below it, so a
// crossing is not dated a whole scrape late).

/** The drained fractions whose crossing times every drain reports: 0.5 means half the traffic is gone. */
export const REPORTED_THRESHOLDS = [0.5, 0.9, 0.99, 1] as const;

/** Most points a curve keeps; older points are thinned out so the whole drain stays visible. */
export const MAX_CURVE_POINTS = 240;

/** `[msSinceDrainStart, remainingShare]`. */
export type CurvePoint = [number, number];

/**
 * What is left of the region's traffic: 1 at drain start, 0 when none is left. `now` and `atStart`
 * are the region's own measure (a request rate, a count of endpoints); when `totalNow` and
 * `totalAtStart` are given they are the measure of all regions, and the share compared is the
 * region's part of the total, so traffic that grows or falls everywhere does not look like a drain.
 */
export function remainingShare(now: number, atStart: number, totalNow?: number, totalAtStart?: number): number {
  if (!(atStart > 0)) throw new Error('the region had no traffic when the drain started: there is nothing to drain');
  if (totalNow === undefined || totalAtStart === undefined) return clampShare(now / atStart);
  if (!(totalAtStart > 0)) throw new Error('the total had no traffic when the drain started');
  // No traffic at all is no traffic in the region either.
  if (!(totalNow > 0)) return 0;
  return clampShare(now / totalNow / (atStart / totalAtStart));
}

function clampShare(share: number): number {
  // Counters are noisy: a region can briefly serve a little more than at the start.
  return Math.max(0, share);
}

/** The share left once a fraction `threshold` of the traffic is gone, with a little slack for floats. */
export function levelOf(threshold: number): number {
  return (1 - threshold) * (1 + 1e-9) + 1e-12;
}

interface Crossing {
  /** When the share last went at or below the level, while it has stayed there since. */
  candidate?: number;
  /** Confirmed: the start of a stretch at or below the level that lasted the hold. */
  confirmed?: number;
}

export interface ShareTrackerOptions {
  /** The share moves continuously between samples: crossings are interpolated (default: it holds). */
  continuous?: boolean;
  maxPoints?: number;
}

/** Crossing times of several thresholds, from samples in time order. */
export class ShareTracker {
  readonly #holdMs: number;
  readonly #thresholds: readonly number[];
  readonly #crossings = new Map<number, Crossing>();
  readonly #curve: BoundedCurve;
  readonly #continuous: boolean;
  #last?: CurvePoint;
  #lowest = Number.POSITIVE_INFINITY;

  constructor(thresholds: readonly number[], holdMs: number, options: ShareTrackerOptions = {}) {
    this.#thresholds = [...new Set(thresholds)].sort((a, b) => a - b);
    this.#holdMs = holdMs;
    this.#continuous = options.continuous ?? false;
    this.#curve = new BoundedCurve(options.maxPoints ?? MAX_CURVE_POINTS);
    for (const threshold of this.#thresholds) this.#crossings.set(threshold, {});
  }

  /** A sample: the share `ms` after drain start. */
  add(ms: number, share: number): void {
    // The share is 1 at drain start, by definition: the first sample is interpolated from there.
    const previous = this.#last ?? [0, 1];
    this.#last = [ms, share];
    this.#lowest = Math.min(this.#lowest, share);
    this.#curve.add(ms, share);
    for (const [threshold, crossing] of this.#crossings) {
      if (crossing.confirmed !== undefined) continue;
      const level = levelOf(threshold);
      if (share > level) {
        crossing.candidate = undefined;
        continue;
      }
      crossing.candidate ??= this.#continuous ? interpolate(previous, [ms, share], level) : ms;
    }
    this.heldUntil(ms);
  }

  /** The source is known to have kept its last share until `ms` after drain start: holds count to it. */
  heldUntil(ms: number): void {
    for (const crossing of this.#crossings.values()) {
      if (crossing.confirmed !== undefined || crossing.candidate === undefined) continue;
      if (ms - crossing.candidate >= this.#holdMs) crossing.confirmed = crossing.candidate;
    }
  }

  /** Ms from drain start to the confirmed crossing of `threshold`, if it has been confirmed. */
  crossedAt(threshold: number): number | undefined {
    return this.#crossings.get(threshold)?.confirmed;
  }

  /**
   * Crossing times for the report: confirmed ones, and, once the measuring is over, a crossing whose
   * hold was cut short by the end of the measure still counts when the share never rose again.
   */
  crossings(final = false): Record<string, number | null> {
    const result: Record<string, number | null> = {};
    for (const [threshold, crossing] of this.#crossings) {
      result[String(threshold)] = crossing.confirmed ?? (final ? (crossing.candidate ?? null) : null);
    }
    return result;
  }

  get last(): CurvePoint | undefined {
    return this.#last;
  }

  /** The lowest share seen, for a drain that fails: how far it got. */
  get lowest(): number | undefined {
    return Number.isFinite(this.#lowest) ? this.#lowest : undefined;
  }

  curve(): CurvePoint[] {
    return this.#curve.points();
  }
}

/**
 * When a share moving in a straight line from `above` (over the level) to `below` (at or under it)
 * met the level, to the ms; never before `above`.
 */
function interpolate(above: CurvePoint, below: CurvePoint, level: number): number {
  const [fromMs, from] = above;
  const [toMs, to] = below;
  if (!(from > level) || toMs <= fromMs) return toMs;
  return Math.round(fromMs + ((from - level) / (from - to)) * (toMs - fromMs));
}

/**
 * A curve that keeps at most `max` points: when full, every other point is dropped (the first and
 * the last are kept) and later points are kept at half the rate, so a long drain keeps its shape
 * from start to end in bounded space. Points where the share changes are preferred to flat ones.
 */
export class BoundedCurve {
  readonly #max: number;
  #points: CurvePoint[] = [];
  #stride = 1;
  #skipped = 0;
  #pending?: CurvePoint;

  constructor(max: number) {
    if (max < 3) throw new Error('a curve needs room for at least 3 points');
    this.#max = max;
  }

  add(ms: number, share: number): void {
    const point: CurvePoint = [ms, roundShare(share)];
    const previous = this.#points.at(-1);
    // A share equal to the last kept one adds nothing but the time it lasted: remember it as the
    // pending end of the flat stretch.
    if (previous?.[1] === point[1]) {
      this.#pending = point;
      return;
    }
    this.#skipped++;
    if (this.#skipped < this.#stride && this.#points.length > 0) {
      this.#pending = point;
      return;
    }
    this.#skipped = 0;
    if (this.#pending !== undefined && this.#pending[1] === previous?.[1]) this.#push(this.#pending);
    this.#pending = undefined;
    this.#push(point);
  }

  #push(point: CurvePoint): void {
    this.#points.push(point);
    if (this.#points.length < this.#max) return;
    const last = this.#points.at(-1) as CurvePoint;
    this.#points = this.#points.filter((_, index) => index % 2 === 0);
    if (this.#points.at(-1) !== last) this.#points.push(last);
    this.#stride *= 2;
  }

  points(): CurvePoint[] {
    const pending = this.#pending;
    return pending ? [...this.#points, pending] : [...this.#points];
  }
}

function roundShare(share: number): number {
  return Math.round(share * 10_000) / 10_000;
}
