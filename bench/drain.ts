// Draining one region's 10 nodes (a sandbox of 3 regions x 2 zones x 5 nodes, no demo) under
// PodDisruptionBudgets that bind: nodes.drain (all 10 nodes at once) against one `kubectl drain`
// call over the same nodes (it drains them one after another) and against 10 `kubectl drain`
// processes in parallel. The same pods and the sandbox's grace cap (1 s) for every contender: the
// workloads are restarted between contenders so their pods are spread over all regions again.
// Also prints the physical floor: the last PDB round's evictions cannot start before the earlier
// rounds' replacements are Ready, and its pods then take the grace cap to terminate.
// Runs its own sandbox in a temporary directory.
import { spawn, spawnSync } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import drain from '../src/actions/nodes/drain.ts';
import { connect } from '../src/kube/cluster.ts';
import { resolveStepInput } from '../src/runbook/resolve.ts';
import { stepContext } from '../test/support/action-context.ts';
import { sandboxBinDir, sandboxScript } from '../test/support/paths.ts';

const region = 'us-east';
const selector = `topology.kubernetes.io/region=${region}`;
const graceCapMs = 1000; // the sandbox's --grace-cap default; the pods ask for the default 30 s
// Two Deployments, each under a budget that lets a fifth of its pods in the region go at once.
const workloads = [
  { name: 'web', replicas: 60, maxUnavailable: 4 },
  { name: 'api', replicas: 30, maxUnavailable: 2 },
];
// Parallelism values of nodes.drain to try, the first one being the headline.
const parallelisms = (process.env.BENCH_PARALLELISM ?? '10,5,2').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'drill-bench-drain-'));
const env = { ...process.env, SANDBOX_DIR: dir };
const kubeconfig = join(dir, 'kubeconfig');
const kubectl = join(sandboxBinDir(), 'kubectl');

function sh(file: string, args: string[]): string {
  const result = spawnSync(file, args, { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${file} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}
const k = (...args: string[]): string => sh(kubectl, ['--kubeconfig', kubeconfig, ...args]);

function kAsync(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, ['--kubeconfig', kubeconfig, ...args], { env, stdio: 'ignore' });
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`kubectl ${args.join(' ')} exited ${code}`));
    });
  });
}

sh('bash', [
  sandboxScript,
  'up',
  '--regions=eu-west,us-east,ap-south',
  '--zones-per-region=2',
  '--nodes-per-zone=5',
  '--demo=false',
  '--velero=false',
]);
const cluster = await connect({ kubeconfig });

/** Waits until every budget allows its full maxUnavailable again (the disruption controller lags). */
async function budgetsSettled(evenTerminating = true): Promise<void> {
  for (const started = performance.now(); performance.now() - started < 120_000;) {
    const budgets = (await cluster.policy.listNamespacedPodDisruptionBudget({ namespace: 'bench' })).items;
    const settled = workloads.every((w) => {
      const b = budgets.find((p) => p.metadata?.name === w.name);
      return b?.status?.disruptionsAllowed === w.maxUnavailable && b.status.currentHealthy === w.replicas;
    });
    // The last rollout's old pods must be gone too: a drain waits for terminating pods as well.
    const terminating =
      evenTerminating &&
      (await cluster.core.listNamespacedPod({ namespace: 'bench' })).items.some(
        (p) => p.metadata?.deletionTimestamp !== undefined,
      );
    if (settled && !terminating) return;
    await delay(100);
  }
  throw new Error('budgets did not settle within 2 minutes');
}

/** Puts every pod back where a fresh rollout would: spread over all regions again. */
async function rebalance(): Promise<void> {
  k('uncordon', '-l', selector);
  for (const w of workloads) k('-n', 'bench', 'rollout', 'restart', `deployment/${w.name}`);
  for (const w of workloads) k('-n', 'bench', 'rollout', 'status', '--timeout=300s', `deployment/${w.name}`);
  await budgetsSettled();
}

/** Pods in the region by workload. */
async function podsInRegion(): Promise<Record<string, number>> {
  const nodes = (await cluster.core.listNode({ labelSelector: selector })).items.map((n) => n.metadata?.name);
  const pods = (await cluster.core.listNamespacedPod({ namespace: 'bench' })).items;
  return Object.fromEntries(
    workloads.map((w) => [
      w.name,
      pods.filter(
        (p) =>
          p.metadata?.labels?.app === w.name &&
          p.metadata.deletionTimestamp === undefined &&
          nodes.includes(p.spec?.nodeName),
      ).length,
    ]),
  );
}

/** Eviction of one pod to its budget allowing the full maxUnavailable again: one PDB round. */
async function replacementMs(workload: string): Promise<number> {
  const pod = (await cluster.core.listNamespacedPod({ namespace: 'bench', labelSelector: `app=${workload}` })).items[0];
  const name = pod?.metadata?.name ?? '';
  const started = performance.now();
  await cluster.core.createNamespacedPodEviction({
    name,
    namespace: 'bench',
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'bench' } },
  });
  await budgetsSettled(false);
  return performance.now() - started;
}

/** Eviction requests this process sends: when each was sent, and its answer's status and latency. */
const evictions: { sentMs: number; ms?: number; status?: number }[] = [];
const pending = new WeakMap<object, { sentMs: number; ms?: number; status?: number }>();
subscribe('undici:request:create', (message) => {
  const { request } = message as { request: { method: string; path: string } };
  if (!request.path.endsWith('/eviction')) return;
  const entry = { sentMs: performance.now() };
  evictions.push(entry);
  pending.set(request, entry);
});
subscribe('undici:request:headers', (message) => {
  const { request, response } = message as { request: object; response: { statusCode: number } };
  const entry = pending.get(request);
  if (entry) Object.assign(entry, { ms: performance.now() - entry.sentMs, status: response.statusCode });
});

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

try {
  k('create', 'namespace', 'bench');
  for (const w of workloads) {
    k(
      '-n',
      'bench',
      'create',
      'deployment',
      w.name,
      `--image=registry.bench.example/${w.name}:1`,
      `--replicas=${w.replicas}`,
    );
    k(
      '-n',
      'bench',
      'create',
      'poddisruptionbudget',
      w.name,
      `--selector=app=${w.name}`,
      `--max-unavailable=${w.maxUnavailable}`,
    );
  }
  for (const w of workloads) k('-n', 'bench', 'rollout', 'status', '--timeout=300s', `deployment/${w.name}`);
  await budgetsSettled();

  const replacement: number[] = [];
  for (let i = 0; i < 3; i++) for (const w of workloads) replacement.push(await replacementMs(w.name));
  await rebalance();

  // nodes.drain at each parallelism; its progress messages and requests show where the time goes.
  const ourRuns: { parallelism: number; ms: number; pods: Record<string, number>; where: string }[] = [];
  for (const parallelism of parallelisms) {
    const pods = await podsInRegion();
    const input = resolveStepInput(
      drain,
      { selector, parallelism, deleteEmptyDirData: true },
      { params: {}, outputs: {} },
    );
    const events: { ms: number; message: string }[] = [];
    evictions.length = 0;
    const started = performance.now();
    const { context } = stepContext(cluster, {
      timeoutMs: 300_000,
      onProgress: (message) => events.push({ ms: performance.now() - started, message }),
    });
    const result = await drain.execute?.(input, context);
    const ms = performance.now() - started;
    const at = (prefix: string, last = false): string => {
      const matching = events.filter((e) => e.message.startsWith(prefix));
      return s((last ? matching.at(-1) : matching[0])?.ms ?? Number.NaN);
    };
    const perNode = Object.values((result?.outputs.perNodeMs ?? {}) as Record<string, number>);
    const answered = evictions.filter((e) => e.ms !== undefined);
    const byStatus = Object.entries(Object.groupBy(answered, (e) => String(e.status)))
      .map(
        ([status, list = []]) =>
          `${list.length}x ${status} (median ${s(median(list.map((e) => e.ms ?? 0)))}, max ${s(Math.max(...list.map((e) => e.ms ?? 0)))})`,
      )
      .join(', ');
    const where =
      `last node cordoned at ${at('cordoned', true)}, first eviction accepted at ${at('evicting')}, last at ${at('evicting', true)}; ` +
      `eviction requests: ${byStatus}; nodes took ${s(Math.min(...perNode))} to ${s(Math.max(...perNode))}`;
    ourRuns.push({ parallelism, ms, pods, where });
    await rebalance();
  }
  const best = ourRuns.reduce((a, b) => (b.ms < a.ms ? b : a));
  const ours = best.ms;
  const ourPods = best.pods;

  const onePods = await podsInRegion();
  const nodes = k('get', 'nodes', '-l', selector, '-o', 'name').trim().split('\n');
  const kubectlFlags = ['--ignore-daemonsets', '--delete-emptydir-data', '--timeout=600s'];
  let started = performance.now();
  k('drain', '-l', selector, ...kubectlFlags);
  const oneCall = performance.now() - started;
  await rebalance();

  const parallelPods = await podsInRegion();
  started = performance.now();
  await Promise.all(nodes.map((node) => kAsync(['drain', node, ...kubectlFlags])));
  const parallel = performance.now() - started;
  await rebalance();

  const total = (pods: Record<string, number>): number => Object.values(pods).reduce((a, b) => a + b, 0);
  const rounds = (pods: Record<string, number>): number =>
    Math.max(...workloads.map((w) => Math.ceil((pods[w.name] ?? 0) / w.maxUnavailable)));
  const round = median(replacement);
  const floor = (rounds(ourPods) - 1) * round + graceCapMs;
  const briefFloor = rounds(ourPods) * round + graceCapMs;

  console.log(`## draining the 10 nodes of ${region} (30-node sandbox, pod termination capped at 1 s)`);
  console.log(
    `budgets: ${workloads.map((w) => `${w.name} ${w.replicas} replicas, maxUnavailable ${w.maxUnavailable}`).join('; ')}`,
  );
  const line = (name: string, ms: number, pods: Record<string, number>): string =>
    `${name.padEnd(34)} ${s(ms).padStart(7)}  (${total(pods)} pods: ${JSON.stringify(pods)}, ${rounds(pods)} PDB rounds)`;
  for (const run of ourRuns) console.log(line(`nodes.drain, parallelism ${run.parallelism}`, run.ms, run.pods));
  console.log(line('kubectl drain -l (one call)', oneCall, onePods));
  console.log(line('kubectl drain x 10 in parallel', parallel, parallelPods));
  console.log(`best nodes.drain: parallelism ${best.parallelism}`);
  console.log(`speed-up vs one kubectl call       ${(oneCall / ours).toFixed(1)}x`);
  console.log(`speed-up vs 10 kubectl in parallel ${(parallel / ours).toFixed(1)}x`);
  console.log(
    `one PDB round (eviction to budget allowing again), median of ${replacement.length}: ${Math.round(round)} ms (${replacement.map((ms) => Math.round(ms)).join(', ')})`,
  );
  console.log(
    `physical floor: (${rounds(ourPods)} rounds - 1) x ${Math.round(round)} ms + grace cap ${s(graceCapMs)} = ${s(floor)}; nodes.drain is ${s(ours - floor)} above it (${(ours / floor).toFixed(2)}x)`,
  );
  console.log(
    `  (counting every round in full, ${rounds(ourPods)} x ${Math.round(round)} ms + ${s(graceCapMs)} = ${s(briefFloor)}: ${(ours / briefFloor).toFixed(2)}x)`,
  );
  for (const run of ourRuns) console.log(`nodes.drain, parallelism ${run.parallelism}: ${run.where}`);
} finally {
  sh('bash', [sandboxScript, 'down']);
  rmSync(dir, { recursive: true, force: true });
}
