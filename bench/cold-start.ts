// Start-up time of the CLI against a bare Node: `kubectl drill --help` and `validate`, medians of
// alternating runs so that load on the machine hits every command alike.
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../test/support/paths.ts';

const node = process.execPath;
const cli = `${repoRoot}bin/kubectl-drill`;
const commands: Record<string, string[]> = {
  'node -e 0': [node, '-e', '0'],
  'kubectl drill --help': [cli, '--help'],
  'kubectl drill validate': [cli, 'validate', `${repoRoot}runbooks/evacuate-region.yaml`],
};
const runs = Number(process.env.BENCH_RUNS ?? 21);
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));

for (let i = 0; i < runs; i++) {
  for (const [name, [file = '', ...args]] of Object.entries(commands)) {
    const started = performance.now();
    const result = spawnSync(file, args, { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}`);
    samples[name]?.push(performance.now() - started);
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const base = median(samples['node -e 0'] ?? []);
console.log(`## cold start (median of ${runs} runs)`);
for (const [name, values] of Object.entries(samples)) {
  const ms = median(values);
  console.log(`${name.padEnd(24)} ${ms.toFixed(0).padStart(5)} ms  ${(ms / base).toFixed(2)}x node`);
}
