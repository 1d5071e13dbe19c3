import Type from 'typebox';
import { formatDuration, optionalDurationMs } from '../../runbook/duration.ts';
import { Duration } from '../../runbook/inputs.ts';
import { defineAction } from '../action.ts';

/** How much of stdout and stderr is kept (the end of each), in bytes. */
const OUTPUT_LIMIT = 4096;
/** How much of stderr's end an error quotes. */
const ERROR_TAIL_LINES = 10;
/** After SIGTERM, how long a stopped command has to exit before SIGKILL. */
const KILL_GRACE_MS = 2000;
/**
 * After the shell exits, how long its output may take to arrive. Longer than that, and a process it
 * left running in the background holds the pipes open; the step does not wait for that process.
 */
const OUTPUT_DRAIN_MS = 200;

export default defineAction({
  name: 'exec',
  summary: 'Run a shell command on the machine running the drill.',
  mutating: true,
  input: Type.Object(
    {
      command: Type.String({ minLength: 1, description: 'Command line, run with `sh -c`.' }),
      timeout: Type.Optional(
        Duration({ description: "Kill the command after this long; defaults to the step's timeout." }),
      ),
      env: Type.Optional(
        Type.Record(Type.String(), Type.String(), {
          propertyNames: {
            pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
            patternErrorMessage: 'must be an environment variable name: letters, digits and "_"',
          },
          description:
            'Extra environment variables for the command. Their values are masked as *** wherever they would ' +
            "appear (the command's output, errors, journal, report, terminal): pass credentials here.",
        }),
      ),
    },
    {
      additionalProperties: false,
      examples: [
        {
          command: 'curl -fsS "$STATUS_URL"',
          env: { STATUS_URL: 'https://status.example.com/health' },
          timeout: '30s',
        },
      ],
    },
  ),
  outputs: { exitCode: 'Exit code of the command.', stdout: 'Standard output of the command.' },
  secretInputs: ['env'],
  plan: (input) =>
    Promise.resolve({
      summary: `run: ${input.command}`,
      // Names only: values are often credentials.
      ...(input.env && { details: [`environment: ${Object.keys(input.env).join(', ')}`] }),
    }),
  execute: async (input, context) => {
    const limitMs = optionalDurationMs(input.timeout) ?? context.timeoutMs;
    // Only the step names the command here: its text may carry values not meant for the journal.
    context.record({
      type: 'irreversible',
      what: `step "${context.step.id}" ran a shell command: what it changed is not known to the drill`,
      objects: [],
    });
    const result = await run(input.command, input.env ?? {}, limitMs, context.signal);
    if (result.stopped === 'abort') context.signal.throwIfAborted();
    const stderr = lastLines(result.stderr, ERROR_TAIL_LINES);
    const after = stderr ? `; stderr ends:\n${stderr}` : '';
    if (result.stopped === 'timeout') {
      throw new Error(`timed out after ${formatDuration(limitMs ?? 0)} and was killed${after}`);
    }
    if (result.code === null) throw new Error(`was killed by ${result.signal ?? 'a signal'}${after}`);
    if (result.code !== 0) throw new Error(`exited with code ${result.code}${after}`);
    // Like $(...) in a shell: the trailing newline is not part of the value.
    return { outputs: { exitCode: result.code, stdout: result.stdout.replace(/\n+$/, '') } };
  },
});

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stopped?: 'timeout' | 'abort';
}

/**
 * Runs `sh -c command` in its own process group, so that stopping it (timeout, abort) stops
 * everything it started: SIGTERM to the group, then SIGKILL if it is still there after a grace.
 */
async function run(command: string, env: Record<string, string>, limitMs: number | undefined, signal: AbortSignal) {
  // Loaded here rather than with the module, which `validate` loads for the input schema alone.
  const { spawn } = await import('node:child_process');
  return new Promise<RunResult>((resolve, reject) => {
    signal.throwIfAborted();
    const child = spawn('/bin/sh', ['-c', command], {
      detached: true,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = new OutputTail();
    const stderr = new OutputTail();
    child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));

    let stopped: RunResult['stopped'];
    const timers: NodeJS.Timeout[] = [];
    const killGroup = (signalName: NodeJS.Signals): void => {
      // Without a pid there is no process; -0 would be this process's own group.
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signalName);
      } catch {
        // The group is gone already.
      }
    };
    const stop = (why: NonNullable<RunResult['stopped']>): void => {
      if (stopped || child.exitCode !== null) return;
      stopped = why;
      killGroup('SIGTERM');
      timers.push(setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS));
    };
    const onAbort = (): void => stop('abort');
    signal.addEventListener('abort', onAbort, { once: true });
    if (limitMs !== undefined) timers.push(setTimeout(() => stop('timeout'), limitMs));

    child.on('error', (error) => {
      cleanUp();
      reject(new Error(`could not run /bin/sh: ${error.message}`, { cause: error }));
    });
    child.on('exit', () => {
      timers.push(
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, OUTPUT_DRAIN_MS),
      );
    });
    child.on('close', (code, signalName) => {
      cleanUp();
      resolve({ code, signal: signalName, stdout: stdout.text(), stderr: stderr.text(), stopped });
    });
    function cleanUp(): void {
      signal.removeEventListener('abort', onAbort);
      for (const timer of timers) clearTimeout(timer);
    }
  });
}

/** The last OUTPUT_LIMIT bytes of a stream, and how many came before them. */
class OutputTail {
  #kept = Buffer.alloc(0);
  #dropped = 0;

  add(chunk: Buffer): void {
    const all = Buffer.concat([this.#kept, chunk]);
    this.#dropped += Math.max(0, all.length - OUTPUT_LIMIT);
    this.#kept = all.subarray(-OUTPUT_LIMIT);
  }

  text(): string {
    const text = this.#kept.toString('utf8');
    return this.#dropped > 0 ? `[${this.#dropped} earlier bytes cut]\n${text}` : text;
  }
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
