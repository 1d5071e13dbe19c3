import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drainPatch, recordedWeights, regionWeights, restorePatch } from '../../src/kube/traffic/gateway.ts';
import { applyJsonPatch, reverseJsonPatch, reverseMergePatch } from '../../src/kube/traffic/json-patch.ts';
import { DrainNotReached, measureDrain, type ShareSampler, waitForBaseline } from '../../src/kube/traffic/measure.ts';
import { countEndpoints, regionMap } from '../../src/kube/traffic/endpoints.ts';
import { countSeries, sumResult } from '../../src/kube/traffic/prometheus.ts';
import { BoundedCurve, remainingShare, ShareTracker } from '../../src/kube/traffic/share.ts';

describe('remainingShare', () => {
  it('is the rate now over the rate at drain start', () => {
    assert.equal(remainingShare(50, 200), 0.25);
    assert.equal(remainingShare(0, 200), 0);
  });

  it("with totals, is the region's part now over its part at the start", () => {
    // The region kept 100 of 300 requests while the total halved: its part is unchanged.
    assert.equal(remainingShare(50, 100, 150, 300), 1);
    assert.equal(remainingShare(10, 100, 300, 300), 0.1);
    assert.equal(remainingShare(0, 100, 0, 300), 0, 'no traffic at all is none in the region');
  });

  it('refuses a region without traffic at the start', () => {
    assert.throws(() => remainingShare(1, 0), /no traffic when the drain started/);
  });
});

describe('ShareTracker', () => {
  it('confirms a crossing only after the hold, from the start of the stretch below the level', () => {
    const tracker = new ShareTracker([0.5, 0.99], 1000);
    tracker.add(0, 1);
    tracker.add(500, 0.4);
    tracker.add(1000, 0.6); // back above: the 0.5 candidate at 500 is dropped
    tracker.add(1500, 0.45);
    tracker.add(2400, 0.3);
    assert.equal(tracker.crossedAt(0.5), undefined);
    tracker.add(2500, 0.2);
    assert.equal(tracker.crossedAt(0.5), 1500);
    tracker.add(3000, 0.005);
    tracker.add(3900, 0.01); // exactly at the level (1 - 0.99) counts as at or below
    assert.equal(tracker.crossedAt(0.99), undefined);
    tracker.add(4000, 0);
    assert.equal(tracker.crossedAt(0.99), 3000);
    assert.deepEqual(tracker.crossings(), { '0.5': 1500, '0.99': 3000 });
  });

  it('reports an unconfirmed crossing at the end only when asked for the final crossings', () => {
    const tracker = new ShareTracker([1], 3000);
    tracker.add(0, 1);
    tracker.add(100, 0);
    assert.deepEqual(tracker.crossings(), { '1': null });
    assert.deepEqual(tracker.crossings(true), { '1': 100 });
    assert.equal(tracker.lowest, 0);
  });
});

describe('BoundedCurve', () => {
  it('never holds more than its maximum, keeping the first and the last points', () => {
    const curve = new BoundedCurve(20);
    for (let ms = 0; ms <= 10_000; ms += 10) curve.add(ms, 1 - ms / 10_000);
    const points = curve.points();
    assert.ok(points.length <= 20, `${points.length} points`);
    assert.deepEqual(points[0], [0, 1]);
    assert.deepEqual(points.at(-1), [10_000, 0]);
    assert.ok(
      points.every((p, i) => i === 0 || p[0] > (points[i - 1] as [number, number])[0]),
      'in time order',
    );
  });

  it('keeps a flat stretch as its two ends', () => {
    const curve = new BoundedCurve(10);
    for (const ms of [0, 100, 200, 300]) curve.add(ms, 1);
    curve.add(400, 0.5);
    assert.deepEqual(curve.points(), [
      [0, 1],
      [300, 1],
      [400, 0.5],
    ]);
  });
});

describe('measureDrain', () => {
  function scripted(shares: number[]): ShareSampler {
    let index = 0;
    return {
      source: 'prometheus',
      intervalMs: 1,
      sample: () => Promise.resolve({ points: [{ share: shares[Math.min(index++, shares.length - 1)] ?? 1 }] }),
      close: () => undefined,
    };
  }

  it('returns time-to-drain at the threshold, the standard crossings and the curve, with progress', async () => {
    let clock = 0;
    const progress: string[] = [];
    const result = await measureDrain(scripted([1, 0.6, 0.4, 0.05, 0.005, 0, 0, 0, 0]), 0, {
      threshold: 0.99,
      holdMs: 200,
      signal: new AbortController().signal,
      progress: (message) => progress.push(message),
      now: () => (clock += 100),
    });
    assert.deepEqual(result.timeToDrain, { threshold: 0.99, ms: 500, source: 'prometheus' });
    assert.deepEqual(result.thresholds, { '0.5': 300, '0.9': 400, '0.99': 500, '1': 600 });
    assert.equal(progress[0], 'share 1.00');
    assert.equal(progress[2], 'share 0.40');
    assert.ok(result.curve.length >= 5);
  });

  it('fails at its timeout with the share reached', async () => {
    let clock = 0;
    await assert.rejects(
      measureDrain(scripted([1, 0.5, 0.3, 0.2]), 0, {
        threshold: 0.99,
        holdMs: 0,
        timeoutMs: 1000,
        signal: new AbortController().signal,
        progress: () => undefined,
        now: () => (clock += 100),
      }),
      (error: Error) => {
        assert.ok(error instanceof DrainNotReached);
        assert.equal(
          error.message,
          "99% of the region's traffic was not gone within its timeout of 1s: the region still had 20% of its traffic (lowest 20%), measured by prometheus",
        );
        return true;
      },
    );
  });
});

describe('waitForBaseline', () => {
  /** Reads the rates in turn, one per reading; a rate of 0 is no baseline. */
  function baselineOf(rates: number[], options: { timeoutMs: number; signal?: AbortSignal }) {
    let clock = 0;
    let reads = 0;
    const progress: { message: string; data?: Record<string, unknown> }[] = [];
    const waiting = waitForBaseline({
      read: () => Promise.resolve(rates[Math.min(reads++, rates.length - 1)] ?? 0),
      missing: (rate) => (rate > 0 ? undefined : 'the query q shows no traffic in the region'),
      timeoutMs: options.timeoutMs,
      retryMs: 1,
      source: 'prometheus',
      signal: options.signal ?? new AbortController().signal,
      progress: (message, data) => progress.push({ message, data }),
      // Each reading of the clock is a second later: readings are a second apart.
      now: () => (clock += 1000) - 1000,
    });
    return { waiting, progress, reads: () => reads };
  }

  it('returns the first reading that is a baseline, reporting each wait before it', async () => {
    const { waiting, progress, reads } = baselineOf([0, 0, 42], { timeoutMs: 30_000 });
    assert.equal(await waiting, 42);
    assert.equal(reads(), 3);
    assert.deepEqual(
      progress.map((p) => p.message),
      [
        'no baseline yet: the query q shows no traffic in the region; waiting (1s of 30s)',
        'no baseline yet: the query q shows no traffic in the region; waiting (2s of 30s)',
      ],
    );
    assert.deepEqual(progress[0]?.data, {
      baseline: 'waiting',
      reason: 'the query q shows no traffic in the region',
      waitedMs: 1000,
      timeoutMs: 30_000,
      source: 'prometheus',
    });
  });

  it('gives up at its bound saying why the last reading was no baseline', async () => {
    const { waiting, progress } = baselineOf([0], { timeoutMs: 3000 });
    await assert.rejects(waiting, {
      message:
        'the query q shows no traffic in the region before the drain, after waiting 3s for a baseline: nothing to measure',
    });
    assert.equal(progress.length, 2);
  });

  it("gives up when the step's signal aborts", async () => {
    const controller = new AbortController();
    const { waiting } = baselineOf([0], { timeoutMs: 30_000, signal: controller.signal });
    controller.abort();
    await assert.rejects(
      waiting,
      /^Error: the query q shows no traffic in the region before the drain, when the step stopped after 2s: nothing to measure$/,
    );
  });
});

describe('prometheus results', () => {
  it('sums a vector and reads a scalar; NaN counts as 0', () => {
    const vector = {
      resultType: 'vector',
      result: [{ value: [1, '2.5'] }, { value: [1, '1.5'] }, { value: [1, 'NaN'] }],
    };
    assert.equal(sumResult(vector, 'q'), 4);
    assert.equal(sumResult({ resultType: 'vector', result: [] }, 'q'), 0);
    assert.equal(sumResult({ resultType: 'scalar', result: [1, '7'] }, 'q'), 7);
    assert.throws(() => sumResult({ resultType: 'matrix', result: [] }, 'q'), /must return a vector or a scalar/);
  });

  it('counts series: none in an empty vector, one in a scalar', () => {
    assert.equal(countSeries({ resultType: 'vector', result: [] }), 0);
    assert.equal(countSeries({ resultType: 'vector', result: [{ value: [1, '0'] }, { value: [1, '3'] }] }), 2);
    assert.equal(countSeries({ resultType: 'scalar', result: [1, '0'] }), 1);
  });
});

describe('endpoints by region', () => {
  it('places endpoints by node, else by zone, and counts only ready ones', () => {
    const node = (name: string, region: string, zone: string) => ({
      metadata: { name, labels: { 'topology.kubernetes.io/region': region, 'topology.kubernetes.io/zone': zone } },
    });
    const regions = regionMap(
      [node('a-1', 'eu-west', 'eu-west-a'), node('b-1', 'us-east', 'us-east-a')],
      'topology.kubernetes.io/region',
    );
    const counts = countEndpoints(
      [
        {
          addressType: 'IPv4',
          endpoints: [
            { addresses: ['10.0.0.1'], nodeName: 'a-1' },
            { addresses: ['10.0.0.2'], nodeName: 'a-1', conditions: { ready: false } },
            { addresses: ['10.0.0.3'], zone: 'eu-west-a' },
            { addresses: ['10.0.0.4'], nodeName: 'b-1', conditions: { ready: true } },
          ],
        },
      ],
      'eu-west',
      regions,
    );
    assert.deepEqual(counts, { region: 2, total: 3 });
  });
});

describe('gateway weights', () => {
  interface Ref {
    name: string;
    namespace?: string;
    kind?: string;
    weight?: number;
  }
  const route: { metadata: { resourceVersion: string }; spec: { rules: { backendRefs: Ref[] }[] } } = {
    metadata: { resourceVersion: '7' },
    spec: {
      rules: [
        {
          backendRefs: [
            { name: 'frontend-eu-west', weight: 100 },
            { name: 'frontend-us-east', weight: 50 },
            { name: 'frontend-eu-west', namespace: 'other' },
          ],
        },
        { backendRefs: [{ name: 'frontend-eu-west', kind: 'Service' }] },
      ],
    },
  };
  const backends = new Set(['shop/frontend-eu-west']);

  it("finds the region's backendRefs, with unset weights as null", () => {
    assert.deepEqual(regionWeights(route, 'shop', backends), [
      { rule: 0, index: 0, backend: 'frontend-eu-west', weight: 100 },
      { rule: 1, index: 0, backend: 'frontend-eu-west', weight: null },
    ]);
  });

  it('drains to 0 with a record in the route, and restores exactly, record included', () => {
    const weights = regionWeights(route, 'shop', backends);
    const drained = applyJsonPatch(route, drainPatch(route, weights)) as typeof route & {
      metadata: { annotations: Record<string, string> };
    };
    assert.equal(drained.spec.rules[0]?.backendRefs[0]?.weight, 0);
    assert.equal(drained.spec.rules[1]?.backendRefs[0]?.weight, 0);
    assert.deepEqual(recordedWeights(drained), weights);
    const restored = applyJsonPatch(drained, restorePatch(drained, weights)) as typeof route;
    assert.deepEqual(restored.spec, route.spec);
    assert.deepEqual(restored.metadata, { resourceVersion: '7', annotations: {} });
  });

  it('a second drain keeps the first weights; restoring one region leaves the other recorded', () => {
    const euWest = regionWeights(route, 'shop', backends);
    const once = applyJsonPatch(route, drainPatch(route, euWest)) as typeof route;
    const twice = applyJsonPatch(once, drainPatch(once, regionWeights(once, 'shop', backends))) as typeof route;
    assert.deepEqual(recordedWeights(twice), euWest);
    const usEast = regionWeights(twice, 'shop', new Set(['shop/frontend-us-east']));
    const both = applyJsonPatch(twice, drainPatch(twice, usEast)) as typeof route;
    assert.equal(recordedWeights(both)?.length, 3);
    const back = applyJsonPatch(both, restorePatch(both, euWest)) as typeof route;
    assert.deepEqual(recordedWeights(back), [{ rule: 0, index: 1, backend: 'frontend-us-east', weight: 50 }]);
  });

  it('tests the resourceVersion and names, so a changed route is not patched at the wrong index', () => {
    const weights = regionWeights(route, 'shop', backends);
    const moved = structuredClone(route);
    const refs = moved.spec.rules[0]?.backendRefs ?? [];
    [refs[0], refs[1]] = [refs[1] as (typeof refs)[number], refs[0] as (typeof refs)[number]];
    assert.throws(
      () => applyJsonPatch(moved, drainPatch(route, weights)),
      /test failed at \/spec\/rules\/0\/backendRefs\/0\/name/,
    );
    moved.metadata.resourceVersion = '8';
    assert.throws(
      () => applyJsonPatch(moved, drainPatch(route, weights)),
      /test failed at \/metadata\/resourceVersion/,
    );
  });
});

describe('reverse patches', () => {
  const object = { metadata: { name: 'x', annotations: { a: '1' } }, data: { w: '50', list: [1, 2, 3] } };

  it('undo a merge patch: changed keys get their old values, added keys null, removed keys back', () => {
    const patch = { data: { w: '0', added: 'y' }, metadata: { annotations: { a: null } } };
    assert.deepEqual(reverseMergePatch(object, patch), {
      data: { w: '50', added: null },
      metadata: { annotations: { a: '1' } },
    });
  });

  it('undo a JSON patch: the diff from the patched object back to the object', () => {
    const patch = [
      { op: 'replace' as const, path: '/data/w', value: '0' },
      { op: 'add' as const, path: '/data/list/1', value: 9 },
      { op: 'add' as const, path: '/data/list/-', value: 8 },
      { op: 'remove' as const, path: '/metadata/annotations/a' },
      { op: 'add' as const, path: '/data/new', value: { x: 1 } },
      { op: 'move' as const, from: '/data/new', path: '/data/moved' },
      { op: 'copy' as const, from: '/data/w', path: '/data/copy' },
      { op: 'test' as const, path: '/data/w', value: '0' },
    ];
    const patched = applyJsonPatch(object, patch);
    assert.deepEqual(patched, {
      metadata: { name: 'x', annotations: {} },
      data: { w: '0', list: [1, 9, 2, 3, 8], moved: { x: 1 }, copy: '0' },
    });
    assert.deepEqual(applyJsonPatch(patched, reverseJsonPatch(object, patch)), object);
  });

  it('escapes keys with / and ~ in pointers', () => {
    const annotated = { metadata: { annotations: { 'drill.dev/x~y': 'a' } } };
    const patch = [{ op: 'replace' as const, path: '/metadata/annotations/drill.dev~1x~0y', value: 'b' }];
    assert.deepEqual(applyJsonPatch(applyJsonPatch(annotated, patch), reverseJsonPatch(annotated, patch)), annotated);
  });
});
