// Command-line values a tired person types: --set pairs whose names are only ever keys, and the
// flags that are checked before anything is loaded (--namespace, --kubeconfig, --request-timeout).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Plan from '../../src/commands/plan.ts';
import Validate from '../../src/commands/validate.ts';
import { parseSetFlags, requestTimeoutMs } from '../../src/ui/flags.ts';

const root = new URL('../../', import.meta.url).pathname;
const runbook = 'test/fixtures/runbooks/valid/drain-zone.yaml';

/** Runs `validate` in-process; returns what it printed and its exit code. */
async function validate(...argv: string[]): Promise<{ stdout: string; exit: number; error?: string }> {
  const printed: string[] = [];
  class Captured extends Validate {
    override log(message = ''): void {
      printed.push(message);
    }
  }
  try {
    await Captured.run(argv, root);
    return { stdout: printed.join('\n'), exit: 0 };
  } catch (error) {
    const exit = (error as { oclif?: { exit?: number } }).oclif?.exit;
    if (exit === undefined || !(error instanceof Error)) throw error;
    return { stdout: printed.join('\n'), exit, error: error.message };
  } finally {
    process.exitCode = undefined;
  }
}

describe('--set', () => {
  it('keeps every name as a key, even one named like an internal field', () => {
    const parsed = parseSetFlags(['error=x', '__proto__=p', 'constructor=c', 'ok=a=b']);
    assert.ok(parsed.ok);
    assert.deepEqual(Object.entries(parsed.set), [
      ['error', 'x'],
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['ok', 'a=b'],
    ]);
  });

  it('refuses a pair without "=", without a name, or given twice, naming the flag and not the value', () => {
    assert.deepEqual(parseSetFlags(['zone']), { ok: false, error: '--set "zone": expected name=value' });
    assert.deepEqual(parseSetFlags(['=x']), { ok: false, error: '--set "=...": the param name before "=" is missing' });
    assert.deepEqual(parseSetFlags(['zone=a', 'zone=secret']), {
      ok: false,
      error: '--set zone: given more than once',
    });
  });

  for (const name of ['error', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`--set ${name}=x is an unknown param, exit 2`, async () => {
      const { stdout, exit } = await validate(runbook, '--set', `${name}=x`);
      assert.equal(exit, 2);
      assert.match(stdout, new RegExp(`drain-zone\\.yaml:\\d+:\\d+: unknown param "${name}" in --set`));
    });
  }

  it('a malformed pair is a usage error, exit 2', async () => {
    const { exit, error } = await validate(runbook, '--set', 'zone');
    assert.equal(exit, 2);
    assert.equal(error, '--set "zone": expected name=value');
  });
});

describe('flags checked before anything is loaded', () => {
  it('-o takes text or json only', async () => {
    const { exit, error } = await validate(runbook, '-o', 'yaml');
    assert.equal(exit, 2);
    assert.match(error ?? '', /--output=yaml to be one of: text, json/);
  });

  for (const [flag, value, message] of [
    ['--namespace', 'Bad_NS', '--namespace "Bad_NS": a namespace is lower-case letters'],
    ['--kubeconfig', '/no/such/kubeconfig', '--kubeconfig "/no/such/kubeconfig": no such file'],
    ['--request-timeout', '1.5', '--request-timeout "1.5": has no unit'],
  ] as const) {
    it(`plan ${flag} ${value} is a usage error naming the flag, exit 2`, async () => {
      // Refused while the flags are parsed: nothing is read, no cluster is asked.
      const error = await Plan.run(['runbooks/evacuate-region.yaml', flag, value], root).then(
        () => assert.fail('plan ran'),
        (caught: unknown) => caught as Error & { oclif?: { exit?: number } },
      );
      process.exitCode = undefined;
      assert.equal(error.oclif?.exit, 2);
      assert.ok(error.message.includes(message), error.message);
    });
  }

  it('--request-timeout is a duration or a number of seconds', () => {
    assert.equal(requestTimeoutMs('30'), 30_000);
    assert.equal(requestTimeoutMs('1m'), 60_000);
    assert.throws(() => requestTimeoutMs('soon'), /--request-timeout "soon": is not a duration/);
    assert.throws(() => requestTimeoutMs('-1s'), /--request-timeout "-1s": must not be negative/);
  });
});

describe('plan -o json', () => {
  it('keeps stdout for the plan: a problem that stops it goes to stderr', async () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    class Captured extends Plan {
      override log(message = ''): void {
        stdout.push(message);
      }
      override logToStderr(message = ''): void {
        stderr.push(message);
      }
    }
    const error = await Captured.run(['runbooks/evacuate-region.yaml', '-o', 'json', '--set', 'nope=1'], root).then(
      () => assert.fail('plan ran'),
      (caught: unknown) => caught as Error & { oclif?: { exit?: number } },
    );
    process.exitCode = undefined;
    assert.equal(error.oclif?.exit, 2);
    assert.deepEqual(stdout, []);
    assert.deepEqual(stderr, [
      'runbooks/evacuate-region.yaml:13:3: unknown param "nope" in --set',
      'runbooks/evacuate-region.yaml is not a valid runbook',
    ]);
  });
});
