// Scale benchmark: sandboxes of growing size (2 regions x 2 zones x N nodes, up to 1000, no demo,
// 20 pods a node in 20 Deployments under PodDisruptionBudgets), and for each: the sandbox's start-up and
// RSS, `plan` of evacuating one region through the CLI (wall time and peak RSS from
// /usr/bin/time), and nodes.drain of 100 of that region's nodes in a child process (time, peak
// RSS, and the HTTP requests it sent per evicted pod, counted on undici's diagnostics channel,
// which every request of @kubernetes/client-node, watches included, goes through).
// Needs `npm run build` (plan runs bin/kubectl-drill). Runs its own sandboxes in temporary
// directories.
//   node bench/scale.ts [--regions eu-west,us-east] [--nodes-per-zone 25,50,75,150,250]
//                       [--pods-per-node 20] [--drain-nodes 100] [--drain-parallelism 5]
import { spawnSync } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import drain from '../src/actions/nodes/drain.ts';
import { connect } from '../src/kube/cluster.ts';
import { resolveStepInput } from '../src/runbook/resolve.ts';
import { stepContext } from '../test/support/action-context.ts';
import { repoRoot, sandboxScript } from '../test/support/paths.ts';

const { values } = parseArgs({
  options: {
    regions: { type: 'string', default: 'eu-west,us-east' },
    'nodes-per-zone': { type: 'string', default: '25,50,75,150,250' },
    'pods-per-node': { type: 'string', default: '20' },
    'drain-nodes': { type: 'string', default: '100' },
    // Every pod of a node is evicted at once: 100 nodes at once would send ~2000 evictions over
    // one HTTP/2 connection, which the apiserver closes (seen at 34 nodes x 20 pods).
    'drain-parallelism': { type: 'string', default: '5' },
    'plan-runs': { type: 'string', default: '3' },
    'drain-child': { type: 'string' }, // internal: kubeconfig,node,node,... drained in this process
  },
});
const region = 'us-east';
const regions = values.regions.split(',');
const zonesPerRegion = 2;
const deployments = 20;

if (values['drain-child'] !== undefined) {
  const [kubeconfig = '', parallelism = '1', ...nodes] = values['drain-child'].split(',');
  const requests: Record<string, number> = {};
  subscribe('undici:request:create', (message) => {
    const { request } = message as { request: { method: string; path: string } };
    // /api/v1 or /apis/<group>/<version>, then [namespaces/<ns>/]<resource>[/<name>[/<subresource>]]
    const [path = '', query = ''] = request.path.split('?');
    const parts = path.split('/').slice(path.startsWith('/apis/') ? 4 : 3);
    const [resource, name, subresource] = parts[0] === 'namespaces' && parts.length > 2 ? parts.slice(2) : parts;
    const kind = [
      request.method,
      resource,
      name === undefined ? '' : '<name>',
      subresource ?? '',
      query.includes('watch=true') ? 'watch' : '',
    ]
      .filter(Boolean)
      .join(' ');
    requests[kind] = (requests[kind] ?? 0) + 1;
  });
  const cluster = await connect({ kubeconfig });
  const input = resolveStepInput(
    drain,
    { nodes, parallelism: Number(parallelism), deleteEmptyDirData: true },
    { params: {}, outputs: {} },
  );
  const started = performance.now();
  const result = await drain.execute?.(input, stepContext(cluster, { timeoutMs: 600_000 }).context);
  const ms = performance.now() - started;
  const evicted = (result?.outputs.evictedPods as string[] | undefined)?.length ?? 0;
  console.log(JSON.stringify({ ms, evicted, requests, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
  process.exit(0);
}

function sandbox(dir: string, command: string, ...args: string[]): void {
  const result = spawnSync('bash', [sandboxScript, command, ...args], {
    env: { ...process.env, SANDBOX_DIR: dir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`sandbox ${command} failed`);
}

function rss(dir: string): string {
  return readFileSync(join(dir, 'sandbox.pid'), 'utf8')
    .trim()
    .split('\n')
    .map((pid) => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const name = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? pid;
      return `${name} ${Math.round(Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024)}`;
    })
    .join(', ');
}

const load = (): string => `load ${loadavg()[0]?.toFixed(1)}`;
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Wall time and peak RSS of one CLI run, from GNU time. */
function timed(
  args: string[],
  env: NodeJS.ProcessEnv,
): { ms: number; cpuMs: number; rssMiB: number; status: number | null } {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-v', join(repoRoot, 'bin/kubectl-drill'), ...args], {
    env,
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  const kib = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1] ?? 0);
  const seconds = (field: string): number =>
    Number(new RegExp(`${field} time \\(seconds\\): ([\\d.]+)`).exec(result.stderr)?.[1] ?? 0);
  return {
    ms,
    cpuMs: (seconds('User') + seconds('System')) * 1000,
    rssMiB: Math.round(kib / 1024),
    status: result.status,
  };
}

async function profile(nodesPerZone: number): Promise<void> {
  const nodeCount = regions.length * zonesPerRegion * nodesPerZone;
  const pods = nodeCount * Number(values['pods-per-node']);
  const dir = mkdtempSync(join(tmpdir(), 'drill-bench-scale-'));
  const kubeconfig = join(dir, 'kubeconfig');
  console.log(`\n## ${nodeCount} nodes (${nodesPerZone} a zone, ${load()}), ${pods} pods`);
  try {
    let started = performance.now();
    sandbox(
      dir,
      'up',
      `--regions=${regions.join(',')}`,
      `--zones-per-region=${zonesPerRegion}`,
      `--nodes-per-zone=${nodesPerZone}`,
      '--demo=false',
      '--velero=false',
      '--qps=1000',
    );
    console.log(`sandbox up (all nodes Ready): ${s(performance.now() - started)}; RSS MiB: ${rss(dir)}`);
    const cluster = await connect({ kubeconfig });
    await cluster.core.createNamespace({ body: { metadata: { name: 'bench' } } });
    for (let i = 0; (await cluster.core.listNamespacedServiceAccount({ namespace: 'bench' })).items.length === 0; i++) {
      if (i > 300) throw new Error('no default ServiceAccount');
      await delay(100);
    }
    started = performance.now();
    const replicas = Math.ceil(pods / deployments);
    for (let d = 0; d < deployments; d++) {
      const name = `app-${d}`;
      await cluster.apps.createNamespacedDeployment({
        namespace: 'bench',
        body: {
          metadata: { name },
          spec: {
            replicas,
            selector: { matchLabels: { app: name } },
            template: {
              metadata: { labels: { app: name } },
              spec: { containers: [{ name: 'app', image: `registry.bench.example/${name}:1` }] },
            },
          },
        },
      });
      await cluster.policy.createNamespacedPodDisruptionBudget({
        namespace: 'bench',
        body: { metadata: { name }, spec: { selector: { matchLabels: { app: name } }, maxUnavailable: '10%' } },
      });
    }
    for (;;) {
      const list = await cluster.apps.listNamespacedDeployment({ namespace: 'bench' });
      const available = list.items.reduce((n, d) => n + (d.status?.availableReplicas ?? 0), 0);
      if (available >= replicas * deployments) break;
      if (performance.now() - started > 1_200_000) throw new Error(`only ${available} pods Ready after 20 min`);
      await delay(2000);
    }
    const podsMs = performance.now() - started;
    console.log(
      `${replicas * deployments} pods Ready in ${s(podsMs)} (${Math.round((replicas * deployments * 1000) / podsMs)} pods/s); RSS MiB: ${rss(dir)}`,
    );

    const env = { ...process.env, KUBECONFIG: kubeconfig };
    const planArgs = ['plan', join(repoRoot, 'runbooks/evacuate-region.yaml'), '--set', `region=${region}`];
    const runs = Array.from({ length: Number(values['plan-runs']) }, () => timed(planArgs, env));
    console.log(
      `plan evacuate-region (${nodeCount / regions.length} nodes, ${load()}): median ${s(median(runs.map((r) => r.ms)))}, ` +
        `peak RSS ${Math.max(...runs.map((r) => r.rssMiB))} MiB CPU (user+sys) median ${s(median(runs.map((r) => r.cpuMs)))} (runs: ${runs.map((r) => `${s(r.ms)}/${s(r.cpuMs)} CPU/${r.rssMiB} MiB`).join(', ')}; exit ${runs[0]?.status})`,
    );

    const drainNodes = (await cluster.core.listNode({ labelSelector: `topology.kubernetes.io/region=${region}` })).items
      .map((n) => n.metadata?.name ?? '')
      .slice(0, Number(values['drain-nodes']));
    const child = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'bench/scale.ts'),
        `--drain-child=${[kubeconfig, values['drain-parallelism'], ...drainNodes].join(',')}`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (child.status !== 0) throw new Error('the drain failed');
    const drained = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as {
      ms: number;
      evicted: number;
      requests: Record<string, number>;
      maxRssMiB: number;
    };
    const total = Object.values(drained.requests).reduce((a, b) => a + b, 0);
    console.log(
      `nodes.drain of ${drainNodes.length} nodes (parallelism ${values['drain-parallelism']}, ${load()}): ${s(drained.ms)}, ` +
        `${drained.evicted} pods evicted, peak RSS ${drained.maxRssMiB} MiB, ${total} API requests = ` +
        `${(total / drained.evicted).toFixed(2)} per evicted pod (${JSON.stringify(drained.requests)})`,
    );
    console.log(`RSS MiB after: ${rss(dir)}`);
  } finally {
    sandbox(dir, 'down');
    rmSync(dir, { recursive: true, force: true });
  }
}

// A size the sandbox cannot start (it gives its nodes a minute to become Ready) ends the curve.
for (const nodesPerZone of values['nodes-per-zone'].split(',').map(Number)) {
  try {
    await profile(nodesPerZone);
  } catch (error) {
    console.log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    break;
  }
}
