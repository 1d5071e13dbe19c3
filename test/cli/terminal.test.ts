// Where the output goes. The live view meets real terminals: util-linux's script(1) gives the CLI a pseudo-terminal, of no
// size at all (0x0, as script makes one without a terminal above it, and as some CI runners do), or
// sized with stty. A terminal of no size once hung the run while its spinner and list drew to zero
// columns; it now gets the plain lines a pipe gets, and a sized one the live view. And a pipe whose
// reader stops early (`| head -1`) costs the command nothing: no stack trace, its own exit code; and a
// pipe left non-blocking, which refuses writes while full, loses none of validate's output.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { cli } from '../support/cli.ts';
import { adminKubeconfig, repoRoot } from '../support/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'drill-terminal-'));
const runbook = join(work, 'nap.yaml');
writeFileSync(
  runbook,
  `apiVersion: drill/v1
kind: Runbook
metadata: { name: terminal-nap }
spec:
  steps:
    - id: nap
      name: A short nap
      action: sleep
      with: { duration: 1s }
`,
);

/** Runs the drill in a pseudo-terminal whose size `stty` sets first; script's output is the terminal's. */
function inTerminal(size: string) {
  const command = [cli, 'run', runbook, '--yes', '--kubeconfig', adminKubeconfig, '--journal-dir', join(work, 'runs')]
    .map((word) => `'${word}'`)
    .join(' ');
  const env = { ...process.env };
  delete env.CI;
  return spawnSync('script', ['-qec', `stty ${size} && ${command}`, '/dev/null'], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
}

/** A cursor moved up or to a column: how a view redraws in place. */
const CURSOR_MOVE = new RegExp(`${String.fromCharCode(27)}\\[\\d*[AG]`);

describe('kubectl drill run in a terminal', () => {
  test('of no size: plain lines, and the run ends', () => {
    const result = inTerminal('cols 0 rows 0');
    assert.equal(result.signal, null, `killed at the timeout: ${result.stdout.slice(-2000)}`);
    assert.equal(result.status, 0, result.stdout.slice(-2000));
    assert.match(result.stdout, /^nap +succeeded /m);
    // Plain lines move no cursor.
    assert.doesNotMatch(result.stdout, CURSOR_MOVE);
  });

  test('of 100 columns: the live view, and the run ends', () => {
    const result = inTerminal('cols 100 rows 30');
    assert.equal(result.signal, null, `killed at the timeout: ${result.stdout.slice(-2000)}`);
    assert.equal(result.status, 0, result.stdout.slice(-2000));
    assert.match(result.stdout, /A short nap/);
    assert.match(result.stdout, CURSOR_MOVE, 'the live view redraws in place');
  });
});

describe('output to a reader that has gone', () => {
  /** Runs the CLI with its stdout's reader closed before anything is written: every write meets EPIPE. */
  async function readerGone(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(cli, args, { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, stderr };
  }

  for (const [args, code] of [
    [['validate', `${repoRoot}runbooks/evacuate-region.yaml`, `${repoRoot}runbooks/zone-outage.yaml`], 0],
    [['validate', `${repoRoot}test/fixtures/runbooks/invalid/several-mistakes.yaml`], 2],
    [['run', '--help'], 0],
    [['--help'], 0],
  ] as const) {
    test(`kubectl drill ${args.map((a) => a.replace(repoRoot, '')).join(' ')}: exit ${String(code)}, nothing on stderr`, async () => {
      const result = await readerGone([...args]);
      assert.equal(result.code, code, result.stderr);
      assert.equal(result.stderr, '');
    });
  }
});

describe('output to a pipe left non-blocking', () => {
  // A pipe whose open file is non-blocking (a parent that set O_NONBLOCK on its own stdout hands it on;
  // here perl, whose Fcntl is in Debian's essential perl-base, sets it and execs the CLI) refuses writes
  // once full (EAGAIN) instead of waiting; validate without oclif writes with writeSync (src/stdout.ts)
  // and must not lose the rest. The reader reads only every 50 ms, so the output, several times the
  // pipe's 64 KiB, fills it again and again.
  test('kubectl drill validate of many files: every line arrives, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-nonblocking-'));
    const file = join(dir, `${'a-runbook-with-a-long-name-'.repeat(7)}.yaml`);
    writeFileSync(file, readFileSync(runbook));
    const files = Array.from({ length: 1200 }, () => file);
    const fifo = join(dir, 'stdout');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const nonBlocking = 'fcntl(STDOUT, F_SETFL, fcntl(STDOUT, F_GETFL, 0) | O_NONBLOCK) or die; exec @ARGV or die';
    const child = spawn('perl', ['-MFcntl', '-e', nonBlocking, cli, 'validate', ...files], {
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', writer, 'pipe'],
    });
    closeSync(writer);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let exited = false;
    void exit.then(() => (exited = true));
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(1 << 16);
    for (;;) {
      await delay(50);
      let read: number;
      do {
        try {
          read = readSync(reader, buffer);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          read = 0;
        }
        if (read > 0) chunks.push(Buffer.from(buffer.subarray(0, read)));
      } while (read > 0);
      if (exited) break;
    }
    closeSync(reader);
    assert.equal(await exit, 0, stderr);
    assert.equal(stderr, '');
    const output = Buffer.concat(chunks).toString();
    assert.ok(output.length > 4 * 65536, `${output.length} bytes`);
    assert.equal(output, files.map((name) => `${name}: valid\n`).join(''));
  });
});
