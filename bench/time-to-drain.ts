// Time-to-drain as measured by traffic.drain (prometheus measure) against the traffic simulator's
// ground truth (.sandbox/traffic-truth.json), over a few drains of one region. Needs a running
// sandbox: bash test/cluster/sandbox.sh up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ExecuteContext } from '../src/actions/action.ts';
import drain from '../src/actions/traffic/drain.ts';
import restore from '../src/actions/traffic/restore.ts';
import { connect } from '../src/kube/cluster.ts';
import { resolveStepInput } from '../src/runbook/resolve.ts';
import { adminKubeconfig, sandboxDir } from '../test/support/paths.ts';

const region = 'eu-west';
const repetitions = Number(process.env.BENCH_DRAINS ?? 3);
const ready = JSON.parse(readFileSync(join(sandboxDir, 'ready'), 'utf8')) as {
  prometheusURL: string;
  traffic: { ttlMs: number };
};
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
const target = { strategy: 'gateway', region, namespace: 'shop', routes: ['storefront'] };
const drainInput = resolveStepInput(
  drain,
  {
    ...target,
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
  region: string;
  drainStartedAt: string;
  crossed: Record<string, string | undefined>;
}
function truthMs(): number {
  const truth = JSON.parse(readFileSync(join(sandboxDir, 'traffic-truth.json'), 'utf8')) as {
    regions: Record<string, Truth>;
  };
  const record = truth.regions[region];
  if (!record?.crossed['0.99']) throw new Error('the truth file has no 0.99 crossing');
  return Date.parse(record.crossed['0.99']) - Date.parse(record.drainStartedAt);
}

console.log(`## time-to-drain of ${region} at 99%: prometheus measure vs the simulator's truth`);
const errors: number[] = [];
for (let i = 0; i < repetitions; i++) {
  const result = await drain.execute?.(drainInput, context);
  const measured = (result?.outputs.timeToDrain as { ms: number }).ms;
  const truth = truthMs();
  errors.push(measured - truth);
  console.log(`drain ${i + 1}: measured ${measured} ms, truth ${truth} ms, error ${measured - truth} ms`);
  await restore.execute?.(
    resolveStepInput(restore, { restore: result?.outputs.restore }, { params: {}, outputs: {} }),
    context,
  );
  // Clients come back over a TTL and a half; the next drain starts from full traffic.
  await delay(ready.traffic.ttlMs * 1.5 + 3000);
}
const absolute = errors.map(Math.abs).sort((a, b) => a - b);
console.log(
  `error: median ${absolute[Math.floor(absolute.length / 2)]} ms, max ${absolute.at(-1)} ms (allowed: 1 s + one 1 s scrape)`,
);
