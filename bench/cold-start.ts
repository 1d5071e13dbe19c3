// Start-up of the CLI (issue 12, goal 1), measured as users meet it: whole processes, through
// bin/kubectl-drill, on the project's own Node.
//   node bench/cold-start.ts [--runs 9]          (after npm run build; needs no sandbox)
// - `kubectl drill --help` and `kubectl drill validate runbooks/evacuate-region.yaml` against
//   `node -e 0` on the same Node: the ratio of medians, targets 2x and 3x.
// - `plan` and `run` of the same runbook, from spawning the process to its first API request. The
//   API here is a measuring device, not a cluster: a plain HTTP server on 127.0.0.1 (client-node takes
//   http:// only with insecure-skip-tls-verify) named by a kubeconfig
//   of its own notes when the first request arrives, answers 503 and the process is killed. Nothing
//   the CLI does after that request is measured, and nothing reaches a real cluster. Target 300 ms.
// Commands run interleaved (one of each per round), so load on the machine hits every command alike;
// the first round warms the disk and V8's compile cache (a user's second run onwards) and is not
// counted: there the stand-in refuses plan and run (401), and they run to their end, as a user's first
// run would, so that what they keep at exit (src/start.ts) is kept. Wall-clock times, so a loaded
// machine inflates them all; the machine's load is printed.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../test/support/paths.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: process.env.BENCH_RUNS ?? '9' } } });
const runs = Number(values.runs);
const node = `${repoRoot}node_modules/node/bin/node`;
const cli = `${repoRoot}bin/kubectl-drill`;
const runbook = `${repoRoot}runbooks/evacuate-region.yaml`;

// The API stand-in: records when the first request of the process being measured arrives.
let firstRequest: ((at: number) => void) | undefined;
let warmingUp = true;
const api = createServer((request, response) => {
  firstRequest?.(performance.now());
  firstRequest = undefined;
  request.resume();
  response.writeHead(warmingUp ? 401 : 503).end();
});
await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
const work = mkdtempSync(join(tmpdir(), 'drill-cold-start-'));
const kubeconfig = join(work, 'kubeconfig');
const { port } = api.address() as AddressInfo;
writeFileSync(
  kubeconfig,
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'bench', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'bench', user: { token: 'bench' } }],
    contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench' } }],
    'current-context': 'bench',
  }),
);
const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECTL_DRILL_HOME: work, CI: 'true' };

interface Command {
  argv: string[];
  /** Until the process exits (0 expected), or, with `untilRequest`, until its first API request. */
  untilRequest?: boolean;
}
const commands: Record<string, Command> = {
  'node -e 0': { argv: [node, '-e', '0'] },
  'kubectl drill --help': { argv: [cli, '--help'] },
  'kubectl drill validate': { argv: [cli, 'validate', runbook] },
  'plan: first API request': { argv: [cli, 'plan', runbook], untilRequest: true },
  'run: first API request': { argv: [cli, 'run', runbook, '--yes'], untilRequest: true },
};

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

async function measure(name: string, { argv: [file = '', ...args], untilRequest }: Command): Promise<number> {
  const requested = untilRequest ? new Promise<number>((resolve) => (firstRequest = resolve)) : undefined;
  const started = performance.now();
  const child = spawn(file, args, { env, stdio: 'ignore' });
  const exit = exited(child);
  if (untilRequest && warmingUp) {
    const code = await exit;
    if (code !== 1) throw new Error(`${name}, refused, exited ${code}`);
    return performance.now() - started;
  }
  if (requested) {
    const at = await Promise.race([requested, exit.then(() => undefined)]);
    child.kill('SIGKILL');
    await exit;
    if (at === undefined) throw new Error(`${name} exited before any API request`);
    return at - started;
  }
  const code = await exit;
  if (code !== 0) throw new Error(`${name} exited ${code}`);
  return performance.now() - started;
}

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
for (let round = 0; round <= runs; round++) {
  warmingUp = round === 0;
  for (const [name, command] of Object.entries(commands)) {
    const ms = await measure(name, command);
    if (round > 0) samples[name]?.push(ms);
  }
}
api.close();
rmSync(work, { recursive: true, force: true });

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const ms = (name: string): number => median(samples[name] ?? []);
const base = ms('node -e 0');
const [load1] = loadavg();
console.log(`## cold start (median of ${runs} interleaved runs; ${cpus().length} CPUs, load ${load1?.toFixed(1)})`);
const rows: [string, string][] = [
  ['node -e 0', ''],
  ['kubectl drill --help', 'target 2x node'],
  ['kubectl drill validate', 'target 3x node'],
];
for (const [name, target] of rows) {
  console.log(
    `${name.padEnd(26)} ${ms(name).toFixed(0).padStart(5)} ms  ${(ms(name) / base).toFixed(2)}x node  ${target}`,
  );
}
for (const name of ['plan: first API request', 'run: first API request']) {
  console.log(`${name.padEnd(26)} ${ms(name).toFixed(0).padStart(5)} ms  target 300 ms`);
}
