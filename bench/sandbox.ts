// Sandbox benchmark: warm start time, resident memory of its processes, and how long a large
// fleet takes to start and to run a Deployment of many pods. Runs its own sandbox in a temporary
// directory, so it neither needs nor disturbs the one tests use.
//   node bench/sandbox.ts [--nodes-per-zone N] [--pods N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { sandboxScript } from '../test/support/paths.ts';

const { values } = parseArgs({
  options: {
    regions: { type: 'string', default: 'eu-west,us-east,ap-south,sa-east,af-south' },
    'zones-per-region': { type: 'string', default: '4' },
    'nodes-per-zone': { type: 'string', default: '5' },
    pods: { type: 'string', default: '2000' },
  },
});

interface SandboxState {
  nodes: number;
  phasesMs: Record<string, number>;
}

function sandbox(dir: string, command: string, ...args: string[]): void {
  const result = spawnSync('bash', [sandboxScript, command, ...args], {
    env: { ...process.env, SANDBOX_DIR: dir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`sandbox ${command} failed`);
}

function rssMiB(dir: string): Record<string, number> {
  const rss: Record<string, number> = {};
  for (const pid of readFileSync(join(dir, 'sandbox.pid'), 'utf8').trim().split('\n')) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const name = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? pid;
    const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    rss[name] = Math.round(kib / 1024);
  }
  return rss;
}

function startAndMeasure(label: string, args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'drill-bench-'));
  const started = performance.now();
  sandbox(dir, 'up', ...args);
  const wallMs = Math.round(performance.now() - started);
  const state = JSON.parse(readFileSync(join(dir, 'ready'), 'utf8')) as SandboxState;
  console.log(`\n## ${label}: ${state.nodes} nodes`);
  console.log(`up (wall, incl. process start): ${wallMs} ms`);
  for (const [phase, ms] of Object.entries(state.phasesMs).sort((a, b) => a[1] - b[1])) {
    console.log(`  ${phase.padEnd(22)} ${ms} ms`);
  }
  const rss = rssMiB(dir);
  console.log(
    `RSS MiB: ${Object.entries(rss)
      .map(([name, mib]) => `${name} ${mib}`)
      .join(', ')}`,
  );
  return dir;
}

async function podsReadyMs(dir: string, replicas: number): Promise<number> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(join(dir, 'kubeconfig'));
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'bench' } } });
  for (let i = 0; ; i++) {
    const accounts = await core.listNamespacedServiceAccount({ namespace: 'bench' });
    if (accounts.items.length > 0) break;
    if (i > 300) throw new Error('no default ServiceAccount');
    await new Promise((r) => setTimeout(r, 100));
  }
  const started = performance.now();
  await apps.createNamespacedDeployment({
    namespace: 'bench',
    body: {
      metadata: { name: 'load' },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'load' } },
        template: {
          metadata: { labels: { app: 'load' } },
          spec: { containers: [{ name: 'app', image: 'registry.bench.example/load:1' }] },
        },
      },
    },
  });
  for (;;) {
    const d = await apps.readNamespacedDeployment({ namespace: 'bench', name: 'load' });
    if (d.status?.availableReplicas === replicas) return Math.round(performance.now() - started);
    if (performance.now() - started > 600_000)
      throw new Error(`only ${d.status?.availableReplicas} pods Ready after 10 min`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const defaultDir = startAndMeasure('default sandbox (demo workload)', []);
sandbox(defaultDir, 'down');
rmSync(defaultDir, { recursive: true, force: true });

const pods = Number(values.pods);
const bigDir = startAndMeasure('large fleet (no demo workload)', [
  `--regions=${values.regions}`,
  `--zones-per-region=${values['zones-per-region']}`,
  `--nodes-per-zone=${values['nodes-per-zone']}`,
  '--demo=false',
]);
try {
  const ms = await podsReadyMs(bigDir, pods);
  console.log(`${pods} pods of one Deployment Ready in ${ms} ms (${Math.round((pods / ms) * 1000)} pods/s)`);
  const rss = rssMiB(bigDir);
  console.log(
    `RSS MiB after: ${Object.entries(rss)
      .map(([name, mib]) => `${name} ${mib}`)
      .join(', ')}`,
  );
} finally {
  sandbox(bigDir, 'down');
  rmSync(bigDir, { recursive: true, force: true });
}
