// Time-to-drain as measured by traffic.drain (prometheus measure) against the traffic simulator's
// ground truth (.sandbox/traffic-truth.json), over ten drains (BENCH_DRAINS). The drains take the
// regions in turn: while one is drained, the one restored before it gets its clients back, so no
// drain waits for a region to refill (a region is drained again only once a TTL and a half has
// passed since its restore). Needs a running sandbox: bash test/cluster/sandbox.sh up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ExecuteContext } from '../src/actions/action.ts';
import drain from '../src/actions/traffic/drain.ts';
import restore from '../src/actions/traffic/restore.ts';
import { connect } from '../src/kube/cluster.ts';
import { resolveStepInput } from '../src/runbook/resolve.ts';
import { adminKubeconfig, sandboxDir } from '../test/support/paths.ts';

const repetitions = Number(process.env.BENCH_DRAINS ?? 10);
const ready = JSON.parse(readFileSync(join(sandboxDir, 'ready'), 'utf8')) as {
  prometheusURL: string;
  traffic: { ttlMs: number; ttlJitter: number; regions: string[] };
};
const { regions, ttlMs, ttlJitter } = ready.traffic;
const SCRAPE_INTERVAL_MS = 1000;
const cluster = await connect({ kubeconfig: adminKubeconfig });
const context: ExecuteContext = {
  step: { id: 'bench', name: 'bench' },
  cluster: () => Promise.resolve(cluster),
  runbookDir: process.cwd(),
  signal: new AbortController().signal,
  timeoutMs: 120_000,
  progress: () => undefined,
  confirm: () => Promise.resolve(true),
  mask: () => undefined,
  record: () => undefined,
  changes: () => [],
};
const drainInput = (region: string) =>
  resolveStepInput(
    drain,
    {
      strategy: 'gateway',
      region,
      namespace: 'shop',
      routes: ['storefront'],
      threshold: 0.99,
      measure: {
        source: 'prometheus',
        url: ready.prometheusURL,
        query: `sum(irate(drill_sandbox_requests_total{region="${region}"}[5s]))`,
        totalQuery: 'sum(irate(drill_sandbox_requests_total[5s]))',
        interval: '100ms',
      },
    },
    { params: {}, outputs: {} },
  );

interface Truth {
  drainStartedAt: string;
  crossed: Record<string, string | undefined>;
}
/** The truth of the region's drain in progress, read before it is restored. */
function truthMs(region: string): number {
  const truth = JSON.parse(readFileSync(join(sandboxDir, 'traffic-truth.json'), 'utf8')) as {
    regions: Record<string, Truth>;
  };
  const record = truth.regions[region];
  if (!record?.crossed['0.99']) throw new Error(`the truth file has no 0.99 crossing for ${region}`);
  return Date.parse(record.crossed['0.99']) - Date.parse(record.drainStartedAt);
}

console.log(`## time-to-drain at 99%: prometheus measure vs the simulator's truth, ${repetitions} drains`);
const errors: number[] = [];
// A restored region has all its clients back after its longest TTL; then it can be drained again.
const refillMs = ttlMs * (1 + ttlJitter);
const restoredAt = new Map<string, number>();
for (let i = 0; i < repetitions; i++) {
  const region = regions[i % regions.length] ?? 'eu-west';
  const wait = (restoredAt.get(region) ?? -Infinity) + refillMs - performance.now();
  if (wait > 0) await delay(wait);
  const result = await drain.execute?.(drainInput(region), context);
  const measured = (result?.outputs.timeToDrain as { ms: number }).ms;
  const truth = truthMs(region);
  errors.push(measured - truth);
  console.log(`drain ${i + 1} (${region}): measured ${measured} ms, truth ${truth} ms, error ${measured - truth} ms`);
  await restore.execute?.(
    resolveStepInput(restore, { restore: result?.outputs.restore }, { params: {}, outputs: {} }),
    context,
  );
  restoredAt.set(region, performance.now());
}
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
const absolute = errors.map(Math.abs);
console.log(
  `error: median ${median(errors)} ms, median |error| ${median(absolute)} ms, max |error| ${Math.max(...absolute)} ms ` +
    `(allowed: median |error| 300 ms, max one ${SCRAPE_INTERVAL_MS} ms scrape)`,
);
