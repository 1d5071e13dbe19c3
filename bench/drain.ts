// Draining one region's 4 nodes: nodes.drain (all nodes at once) against `kubectl drain`, node by
// node, on the same sandbox and the same pods. Runs its own sandbox in a temporary directory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import drain from '../src/actions/nodes/drain.ts';
import { connect } from '../src/kube/cluster.ts';
import { resolveStepInput } from '../src/runbook/resolve.ts';
import { sandboxBinDir, sandboxScript } from '../test/support/paths.ts';

const region = 'us-east';
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

/** Puts every pod back where a fresh rollout would: spread over all regions again. */
function rebalance(): void {
  k('uncordon', '-l', `topology.kubernetes.io/region=${region}`);
  for (const ns of ['shop', 'bench']) {
    const workloads = k('-n', ns, 'get', 'deployment,statefulset', '-o', 'name').trim().split('\n');
    for (const workload of workloads) k('-n', ns, 'rollout', 'restart', workload);
    for (const workload of workloads) k('-n', ns, 'rollout', 'status', '--timeout=180s', workload);
  }
}

function podsInRegion(): number {
  const nodes = k('get', 'nodes', '-l', `topology.kubernetes.io/region=${region}`, '-o', 'name').trim().split('\n');
  const names = new Set(nodes.map((n) => n.replace('node/', '')));
  const pods = JSON.parse(k('get', 'pods', '-A', '-o', 'json')) as {
    items: { spec: { nodeName?: string }; metadata: { ownerReferences?: { kind: string }[] } }[];
  };
  return pods.items.filter(
    (p) => names.has(p.spec.nodeName ?? '') && !p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet'),
  ).length;
}

sh('bash', [sandboxScript, 'up']);
try {
  k('create', 'namespace', 'bench');
  k('-n', 'bench', 'create', 'deployment', 'web', '--image=registry.bench.example/web:1', '--replicas=48');
  k('-n', 'bench', 'create', 'poddisruptionbudget', 'web', '--selector=app=web', '--max-unavailable=4');
  k('-n', 'bench', 'rollout', 'status', '--timeout=180s', 'deployment/web');
  rebalance();

  const cluster = await connect({ kubeconfig });
  const pods = podsInRegion();
  const input = resolveStepInput(
    drain,
    { selector: `topology.kubernetes.io/region=${region}`, parallelism: 4, deleteEmptyDirData: true },
    { params: {}, outputs: {} },
  );
  let started = performance.now();
  await drain.execute?.(input, {
    step: { id: 'bench', name: 'bench' },
    cluster: () => Promise.resolve(cluster),
    runbookDir: process.cwd(),
    signal: new AbortController().signal,
    progress: () => undefined,
    confirm: () => Promise.resolve(true),
    mask: () => undefined,
    record: () => undefined,
    changes: () => [],
  });
  const ours = performance.now() - started;
  rebalance();

  const kubectlPods = podsInRegion();
  const nodes = k('get', 'nodes', '-l', `topology.kubernetes.io/region=${region}`, '-o', 'name').trim().split('\n');
  started = performance.now();
  for (const node of nodes) k('drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=300s');
  const theirs = performance.now() - started;
  rebalance();

  console.log(`## draining the 4 nodes of ${region} (sandbox pod termination capped at 1 s)`);
  const line = (name: string, ms: number, n: number): string =>
    `${name.padEnd(30)} ${(ms / 1000).toFixed(1)} s  (${n} pods, ${(ms / n).toFixed(0)} ms per pod)`;
  console.log(line('nodes.drain, parallelism 4', ours, pods));
  console.log(line('kubectl drain, node by node', theirs, kubectlPods));
  console.log(`speed-up                       ${(theirs / ours).toFixed(1)}x`);
} finally {
  sh('bash', [sandboxScript, 'down']);
  rmSync(dir, { recursive: true, force: true });
}
