// The sandbox's traffic simulator, end to end: a region's HTTPRoute weight goes to 0, its request
// rate falls to zero within the DNS TTL bound, the ground-truth file records the crossings in
// order, and Prometheus scrapes the per-region rate. The weight is put back at the end.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { sandboxDir } from '../support/paths.ts';
import { admin, waitFor } from '../support/sandbox.ts';

interface Ready {
  trafficMetricsURL: string;
  trafficTruthFile: string;
  prometheusURL: string;
  traffic: { regions: string[]; ttlMs: number; ttlJitter: number; windowMs: number; tickMs: number };
}

interface Drain {
  drainStartedAt: string;
  reason: string;
  shareAtDrainStart: number;
  crossed: Record<string, string>;
  region?: string;
  restoredAt?: string;
}

interface Truth {
  regions: Record<string, Drain>;
  history: Drain[];
  stickyForMs: number;
}

interface HTTPRoute {
  metadata: { generation: number };
  spec: { rules: { backendRefs: { name: string; weight?: number }[] }[] };
  status?: { parents?: { conditions?: { type: string; status: string; observedGeneration?: number }[] }[] };
}

const ready = JSON.parse(readFileSync(`${sandboxDir}/ready`, 'utf8')) as Ready;
const { ttlMs, ttlJitter, windowMs, tickMs } = ready.traffic;
const region = 'ap-south';
const others = ready.traffic.regions.filter((r) => r !== region);
const routeRef = { group: 'gateway.networking.k8s.io', version: 'v1', namespace: 'shop', plural: 'httproutes' };
const customObjects = admin.config.makeApiClient(k8s.CustomObjectsApi);
const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
// Every cached DNS answer has expired after TTL x (1 + jitter), every sticky one after the sticky
// time (the demo's tail); the sliding window then empties.
const drainBoundMs = Math.max(ttlMs * (1 + ttlJitter), readTruth().stickyForMs) + windowMs + tickMs;

/** The simulator's request counters, per region, read from its /metrics. */
async function requestCounters(): Promise<Record<string, number>> {
  const text = await (await fetch(ready.trafficMetricsURL)).text();
  const counters: Record<string, number> = {};
  for (const match of text.matchAll(/^drill_sandbox_requests_total\{region="([^"]+)"\} (\S+)$/gm)) {
    counters[match[1] ?? ''] = Number(match[2]);
  }
  return counters;
}

function readTruth(): Truth {
  return JSON.parse(readFileSync(ready.trafficTruthFile, 'utf8')) as Truth;
}

async function promQuery(query: string): Promise<Record<string, number>> {
  const response = await fetch(`${ready.prometheusURL}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  assert.equal(body.status, 'success');
  return Object.fromEntries(body.data.result.map((r) => [r.metric.region ?? '', Number(r.value[1])]));
}

/** Requests per second of each region over about a second, from two reads of the counters. */
async function rates(): Promise<Record<string, number>> {
  const before = await requestCounters();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = await requestCounters();
  const seconds = (performance.now() - started) / 1000;
  return Object.fromEntries(Object.keys(after).map((r) => [r, ((after[r] ?? 0) - (before[r] ?? 0)) / seconds]));
}

async function readRoute(): Promise<HTTPRoute> {
  return (await customObjects.getNamespacedCustomObject({ ...routeRef, name: 'storefront' })) as HTTPRoute;
}

async function setWeight(index: number, weight: number): Promise<void> {
  await customObjects.patchNamespacedCustomObject(
    {
      ...routeRef,
      name: 'storefront',
      body: [
        // The test op makes the patch fail rather than change another region's weight.
        { op: 'test', path: `/spec/rules/0/backendRefs/${index}/name`, value: `frontend-${region}` },
        { op: 'replace', path: `/spec/rules/0/backendRefs/${index}/weight`, value: weight },
      ],
    },
    jsonPatch,
  );
}

describe('sandbox traffic simulator', () => {
  test('a region whose route weight goes to 0 drains within the DNS TTL, as the truth file records', async () => {
    const route = await readRoute();
    const refs = route.spec.rules[0]?.backendRefs ?? [];
    const index = refs.findIndex((r) => r.name === `frontend-${region}`);
    assert.ok(index >= 0, `the route has a backendRef for frontend-${region}`);
    const weight = refs[index]?.weight ?? 1;
    assert.ok(weight > 0, `${region} starts with weight ${weight}`);

    // Every region is being served before the drain.
    const before = await waitFor('traffic in every region', async () => {
      const r = await rates();
      return ready.traffic.regions.every((name) => (r[name] ?? 0) > 100) && r;
    });

    const patchedAt = Date.now();
    await setWeight(index, 0);
    try {
      // The simulated load balancer reports the new generation as accepted, as a controller would.
      await waitFor('the route change to be accepted', async () => {
        const r = await readRoute();
        const accepted = r.status?.parents?.[0]?.conditions?.find((c) => c.type === 'Accepted');
        return accepted?.status === 'True' && accepted.observedGeneration === r.metadata.generation;
      });
      // The region's rate falls to 0 within the TTL bound, plus a few seconds for the reads.
      const drainedAfterMs = await waitFor(
        `${region} to receive no request`,
        async () => {
          const r = await rates();
          assert.ok(
            others.every((name) => (r[name] ?? 0) > 0),
            'the other regions keep their traffic',
          );
          return r[region] === 0 && Date.now() - patchedAt;
        },
        drainBoundMs + 3000,
      );
      assert.ok(
        drainedAfterMs > ttlMs * (1 - ttlJitter),
        `drained after ${drainedAfterMs} ms: cached answers keep traffic for at least TTL x (1 - jitter)`,
      );

      const drain = readTruth().regions[region] ?? assert.fail(`no drain of ${region} in the truth file`);
      assert.equal(drain.reason, 'weight 0');
      const startedAt = Date.parse(drain.drainStartedAt);
      assert.ok(
        startedAt >= patchedAt - 50 && startedAt - patchedAt < 2000,
        `drain started ${startedAt - patchedAt} ms after the patch`,
      );
      const share = (before[region] ?? 0) / Object.values(before).reduce((a, b) => a + b, 0);
      assert.ok(
        Math.abs(drain.shareAtDrainStart - share) < 0.1,
        `share at start ${drain.shareAtDrainStart} vs ${share}`,
      );
      let previous = startedAt;
      for (const threshold of ['0.5', '0.9', '0.99', '1']) {
        const at = Date.parse(drain.crossed[threshold] ?? assert.fail(`threshold ${threshold} not crossed`));
        assert.ok(at >= previous, `threshold ${threshold} crossed in order`);
        previous = at;
      }
      assert.ok(previous - startedAt <= drainBoundMs, `fully drained ${previous - startedAt} ms after the start`);
      // Half of the cached answers outlive TTL / 2: the 0.5 crossing cannot come much earlier.
      const half = Date.parse(drain.crossed['0.5'] ?? '') - startedAt;
      assert.ok(half > (ttlMs * (1 - ttlJitter)) / 2, `half drained after ${half} ms`);

      // Prometheus scraped the per-region rate: 0 for the drained region once its range is past.
      const promRates = await waitFor(
        'Prometheus to show the drained region at rate 0',
        async () => {
          const r = await promQuery('sum by (region) (rate(drill_sandbox_requests_total[5s]))');
          return r[region] === 0 && r;
        },
        10_000,
      );
      for (const name of others) assert.ok((promRates[name] ?? 0) > 100, `${name} at ${promRates[name]} req/s`);
      assert.deepEqual(await promQuery(`drill_sandbox_region_weight{region="${region}"}`), { [region]: 0 });
    } finally {
      await setWeight(index, weight);
    }

    // Restored: the region's record moves to the history and its traffic comes back.
    await waitFor(`${region} to be restored in the truth file`, () => {
      const truth = readTruth();
      return Promise.resolve(
        !(region in truth.regions) && truth.history.some((d) => d.region === region && d.restoredAt !== undefined),
      );
    });
    await waitFor(`traffic back in ${region}`, async () => ((await rates())[region] ?? 0) > 0);
  });
});
