// The prometheus measure's baseline against the sandbox's real Prometheus: a query that has no
// series or no rate yet (what a drill started right after Prometheus or its exporter starts sees)
// is waited for, with each wait reported as progress, and the measure gives up with a message
// saying what was missing when nothing comes within its bound or the step stops. The queries are
// the demo's own, made to appear late with `and on() (vector(time()) > T)`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import drain from '../../src/actions/traffic/drain.ts';
import { apiRequest } from '../../src/kube/objects.ts';
import { prometheusMeasure } from '../../src/kube/traffic/prometheus.ts';
import { resolveStepInput } from '../../src/runbook/resolve.ts';
import { actionContext, type Recorded } from '../support/actions.ts';
import { sandboxDir } from '../support/paths.ts';
import { admin, waitFor } from '../support/sandbox.ts';

const { prometheusURL } = JSON.parse(readFileSync(`${sandboxDir}/ready`, 'utf8')) as { prometheusURL: string };

const regionRate = (region: string) => `sum(irate(drill_sandbox_requests_total{region="${region}"}[5s]))`;
const totalRate = 'sum(irate(drill_sandbox_requests_total[5s]))';
/** The query, with no series until `delayMs` from now (by Prometheus' clock, the same machine's). */
const appearingIn = (query: string, delayMs: number) =>
  `${query} and on() (vector(time()) > ${((Date.now() + delayMs) / 1000).toFixed(3)})`;

function recorder(): {
  progress: Recorded['progress'];
  report: (message: string, data?: Record<string, unknown>) => void;
} {
  const progress: Recorded['progress'] = [];
  return { progress, report: (message, data) => progress.push({ message, data }) };
}

describe("the prometheus measure's baseline", { concurrency: false }, () => {
  test('a query whose series appear only later: waits, reporting each wait, then measures from that baseline', async () => {
    const query = appearingIn(regionRate('eu-west'), 2500);
    const measure = prometheusMeasure({ url: prometheusURL, query, totalQuery: totalRate, intervalMs: 100 });
    const { progress, report } = recorder();
    const started = performance.now();
    const sampler = await measure.start(new AbortController().signal, report);
    const waitedMs = performance.now() - started;
    assert.ok(waitedMs >= 2000 && waitedMs < 6000, `baseline after ${Math.round(waitedMs)} ms`);
    assert.ok(progress.length >= 2, `${progress.length} waits reported`);
    for (const [i, p] of progress.entries()) {
      assert.match(
        p.message,
        /^no baseline yet: the query .* returns no series \(not scraped yet, or labels that match nothing\); waiting \(\S+ of 30s\)$/,
      );
      assert.equal(p.data?.baseline, 'waiting');
      assert.equal(p.data?.timeoutMs, 30_000);
      assert.ok(i === 0 || (p.data?.waitedMs as number) > (progress[i - 1]?.data?.waitedMs as number));
    }
    // The region serves about a third of the traffic, as at the baseline just taken. The measure
    // reads only settled scrapes and gives a point only when a scrape changes the rate, so it is
    // sampled until one does: a loaded machine can delay a 1 s scrape well past a second.
    const points = await waitFor(
      'a scrape after the baseline',
      async () => {
        const sampled = await sampler.sample(new AbortController().signal);
        return sampled.points.length > 0 && sampled.points;
      },
      15_000,
    );
    const share = points.at(-1)?.share;
    assert.ok(share !== undefined && share > 0.5 && share < 1.5, `share ${share} right after the baseline`);
  });

  test('no series within the bound: gives up with the query, what was missing and how long it waited', async () => {
    const query = regionRate('nowhere');
    const measure = prometheusMeasure({ url: prometheusURL, query, intervalMs: 100, baselineTimeoutMs: 2000 });
    const { progress, report } = recorder();
    const started = performance.now();
    await assert.rejects(measure.start(new AbortController().signal, report), {
      message: `the query ${query} at ${prometheusURL} returns no series (not scraped yet, or labels that match nothing) before the drain, after waiting 2s for a baseline: nothing to measure`,
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 1900 && elapsed < 4000, `gave up after ${Math.round(elapsed)} ms`);
    assert.equal(progress.length, 2, progress.map((p) => p.message).join('\n'));
  });

  test('a rate of 0 within the bound: gives up saying the region shows no traffic', async () => {
    const query = `${regionRate('us-east')} * 0`;
    const measure = prometheusMeasure({ url: prometheusURL, query, intervalMs: 100, baselineTimeoutMs: 1000 });
    await assert.rejects(
      measure.start(new AbortController().signal, () => undefined),
      {
        message: `the query ${query} at ${prometheusURL} shows no traffic in the region before the drain, after waiting 1s for a baseline: nothing to measure`,
      },
    );
  });

  test("traffic.drain: the wait is the step's progress, and a step that stops while waiting changes nothing", async () => {
    const path = '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/storefront';
    const before = (await apiRequest(admin, 'GET', path)).object as { spec: unknown };
    const query = regionRate('nowhere');
    const { context, recorded } = actionContext({ signal: AbortSignal.timeout(2500) });
    const input = resolveStepInput(
      drain,
      {
        strategy: 'gateway',
        namespace: 'shop',
        region: 'eu-west',
        routes: ['storefront'],
        measure: { source: 'prometheus', url: prometheusURL, query },
      },
      { params: {}, outputs: {} },
    );
    await assert.rejects(
      drain.execute?.(input, context) ?? Promise.resolve(),
      /^Error: the query .* returns no series .* before the drain, when the step stopped after [23]s: nothing to measure$/,
    );
    assert.ok(recorded.progress.length >= 2, `${recorded.progress.length} waits reported`);
    assert.match(recorded.progress[0]?.message ?? '', /^no baseline yet: the query .*; waiting \(0s of 30s\)$/);
    const after = (await apiRequest(admin, 'GET', path)).object as { spec: unknown };
    assert.deepEqual(after.spec, before.spec, 'the weights are untouched');
  });
});
