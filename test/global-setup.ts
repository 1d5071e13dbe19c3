// Starts the sandbox once for the whole test run (node --test --test-global-setup). A sandbox that
// was already running is reused and left running; one started here is stopped at the end.
import { spawnSync } from 'node:child_process';
import { sandboxScript } from './support/paths.ts';

let startedHere = false;

function sandbox(command: 'up' | 'down' | 'status'): number {
  const result = spawnSync('bash', [sandboxScript, command], { stdio: ['ignore', 'ignore', 'inherit'] });
  return result.status ?? 1;
}

export function globalSetup(): void {
  startedHere = sandbox('status') !== 0;
  if (sandbox('up') !== 0) {
    throw new Error('the sandbox did not start: see .sandbox/logs/');
  }
}

export function globalTeardown(): void {
  if (startedHere && process.env.DRILL_KEEP_SANDBOX !== '1') {
    sandbox('down');
  }
}
