// Time-to-drain without bias: shares dated by the moment they describe, crossings interpolated
// between the samples of a continuous share, holds counted to what the source is known to have
// kept, and a threshold's hold against a long tail (sticky clients): 99% is confirmed well before
// 100%, and a 100% threshold waits for the tail.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureDrain, type ShareReading, type ShareSampler } from '../../src/kube/traffic/measure.ts';
import { clockOffset, evaluationTime, sumMatrix } from '../../src/kube/traffic/prometheus.ts';
import { ShareTracker } from '../../src/kube/traffic/share.ts';

/** A drain with a sticky tail: 99% of the traffic leaves over 15 s, the last 0.6% over 40 s. */
const withTail = (ms: number): number => 0.99 * Math.max(0, 1 - ms / 15_000) + 0.006 * Math.max(0, 1 - ms / 40_000);

describe('ShareTracker, continuous shares', () => {
  it('interpolates a crossing between the last sample above the level and the first at or below', () => {
    const tracker = new ShareTracker([0.9], 0, { continuous: true });
    tracker.add(1000, 0.5);
    tracker.add(2000, 0);
    assert.equal(tracker.crossedAt(0.9), 1800, 'the share met 0.1 four fifths of the way from 0.5 to 0');
  });

  it('interpolates the first sample from the share of 1 at drain start', () => {
    const tracker = new ShareTracker([0.5], 0, { continuous: true });
    tracker.add(1000, 0);
    assert.equal(tracker.crossedAt(0.5), 500);
  });

  it('a share that holds between samples crosses at the first sample at or below the level', () => {
    const tracker = new ShareTracker([0.9], 0);
    tracker.add(1000, 0.5);
    tracker.add(2000, 0);
    assert.equal(tracker.crossedAt(0.9), 2000);
  });

  it('counts the hold to when the source is known to have kept the share, without a new sample', () => {
    const tracker = new ShareTracker([1], 3000);
    tracker.add(500, 0);
    tracker.heldUntil(3400);
    assert.equal(tracker.crossedAt(1), undefined);
    tracker.heldUntil(3500);
    assert.equal(tracker.crossedAt(1), 500);
  });

  it('against a sticky tail: 99% is confirmed after its hold, long before 100%, which waits for the tail', () => {
    const tracker = new ShareTracker([0.99, 1], 3000, { continuous: true });
    const confirmed: Record<string, number> = {};
    for (let ms = 1000; ms <= 45_000; ms += 1000) {
      tracker.add(ms, withTail(ms));
      for (const threshold of [0.99, 1]) {
        if (tracker.crossedAt(threshold) !== undefined) confirmed[threshold] ??= ms;
      }
    }
    // 0.99 (1 - t/15) + 0.006 (1 - t/40) = 0.01 at t = 14906 ms: exact, the curve being straight there.
    assert.equal(tracker.crossedAt(0.99), 14_906);
    assert.equal(confirmed['0.99'], 18_000, 'confirmed at the first sample 3 s after');
    assert.equal(tracker.crossedAt(1), 40_000);
    assert.equal(confirmed['1'], 43_000);
  });
});

describe('measureDrain with dated shares', () => {
  /** A source read every second (of the test's clock) whose shares are dated `lagMs` before each read. */
  function lagging(lagMs: number, clock: { now: number }): ShareSampler {
    return {
      source: 'prometheus',
      intervalMs: 0,
      continuous: true,
      sample: (): Promise<ShareReading> => {
        clock.now += 1000;
        const at = clock.now - lagMs;
        return Promise.resolve({ points: [{ share: withTail(at), at }], asOf: at });
      },
      close: () => undefined,
    };
  }

  const options = (clock: { now: number }, threshold: number) => ({
    threshold,
    holdMs: 3000,
    signal: new AbortController().signal,
    progress: () => undefined,
    now: () => clock.now,
  });

  it('dates the crossing by the samples, however late they are read: 99% long before the tail ends', async () => {
    for (const lagMs of [0, 700]) {
      const clock = { now: lagMs };
      const result = await measureDrain(lagging(lagMs, clock), 0, options(clock, 0.99));
      assert.equal(result.timeToDrain.ms, 14_906, `read ${lagMs} ms late`);
      assert.equal(result.thresholds['1'], null, 'the tail is still there when 99% is confirmed');
    }
  });

  it('a 100% threshold waits for the tail', async () => {
    const clock = { now: 0 };
    const result = await measureDrain(lagging(0, clock), 0, options(clock, 1));
    assert.equal(result.timeToDrain.ms, 40_000);
    assert.equal(result.thresholds['0.99'], 14_906);
  });

  it("counts from the drain's first change, and shares from before it hold at its start", async () => {
    let reading = 0;
    const readings: ShareReading[] = [
      { points: [{ share: 0.98, at: 100 }] },
      { points: [{ share: 0, at: 1500 }], asOf: 2500 },
    ];
    let clock = 0;
    const result = await measureDrain(
      {
        source: 'endpoints',
        intervalMs: 1,
        sample: () => Promise.resolve(readings[Math.min(reading++, readings.length - 1)] ?? { points: [] }),
        close: () => undefined,
      },
      0,
      {
        threshold: 1,
        holdMs: 1000,
        signal: new AbortController().signal,
        progress: () => undefined,
        changedAt: () => 500,
        now: () => (clock += 100),
      },
    );
    assert.equal(result.timeToDrain.ms, 1000);
    assert.deepEqual(result.curve, [
      [0, 0.98],
      [1000, 0],
    ]);
  });
});

describe("Prometheus' times", () => {
  it('believes a clock skew only beyond the round-trip uncertainty', () => {
    const ours = 1_000_000;
    // Evaluated 150 ms after the midpoint of a 400 ms exchange: the same clock, an uneven trip.
    assert.equal(clockOffset(ours + 350, 0, 400, ours), ours);
    // A server 5 s ahead: believed, less the 200 ms the exchange cannot tell.
    assert.equal(clockOffset(ours + 5200, 0, 400, ours), ours + 4800);
    assert.equal(clockOffset(ours - 4800, 0, 400, ours), ours - 4800);
  });

  it('sums a matrix by evaluation time, and reads when an instant query was evaluated', () => {
    const sums = sumMatrix(
      {
        resultType: 'matrix',
        result: [
          {
            values: [
              [1764350000.1, '2'],
              [1764350000.2, 'NaN'],
            ],
          },
          { values: [[1764350000.2, '3']] },
        ],
      },
      'q',
    );
    assert.deepEqual(
      [...sums],
      [
        [1764350000100, 2],
        [1764350000200, 3],
      ],
    );
    assert.deepEqual(
      [...sumMatrix({ resultType: 'vector', result: [{ value: [1764350000, '4'] }] }, 'q')],
      [[1764350000000, 4]],
    );
    assert.throws(
      () => sumMatrix({ resultType: 'scalar', result: [0, '1'] }, 'q'),
      /the query q returns a scalar result/,
    );
    assert.equal(evaluationTime({ resultType: 'vector', result: [{ value: [1764350000.123, '1'] }] }), 1764350000123);
    assert.equal(evaluationTime({ resultType: 'scalar', result: [1764350000.5, '1'] }), 1764350000500);
    assert.equal(evaluationTime({ resultType: 'vector', result: [] }), undefined);
  });
});
