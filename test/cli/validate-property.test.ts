// The CLI side of the property in test/unit/validate-property.test.ts: CLI_RUNS mutated runbooks go
// through the built `kubectl drill validate`, which must exit 0 or 2 (never 1, never a crash), print
// nothing on stderr, no stack trace, and one file:line:col line per problem.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { repoRoot } from '../support/paths.ts';
import { CLI_RUNS, mutatedRunbook, PROBLEM_LINE, STACK_TRACE } from '../support/runbook-mutations.ts';

const run = promisify(execFile);
// Not support/cli.ts's: that module connects to the sandbox, which validate must not need.
const cli = `${repoRoot}bin/kubectl-drill`;
const dir = mkdtempSync(join(tmpdir(), 'drill-validate-property-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs validate; resolves with its exit code and output whatever the code. */
async function validate(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(cli, ['validate', file], { encoding: 'utf8', timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: unknown; stdout: string; stderr: string };
    return { code: typeof code === 'number' ? code : -1, stdout, stderr };
  }
}

it(`kubectl drill validate exits 0 or 2 with file:line:col problems for ${CLI_RUNS} mutated runbooks`, async () => {
  const cases = fc.sample(mutatedRunbook, { numRuns: CLI_RUNS });
  // Two at a time: the machine has two cores, and each case is a cold start of the CLI.
  for (let start = 0; start < cases.length; start += 2) {
    await Promise.all(
      cases.slice(start, start + 2).map(async ({ source }, offset) => {
        const file = join(dir, `case-${start + offset}.yaml`);
        writeFileSync(file, source);
        const { code, stdout, stderr } = await validate(file);
        const context = `${file}:\n${source}\n--- stdout:\n${stdout}--- stderr:\n${stderr}`;
        assert.ok(code === 0 || code === 2, `exit ${code} for ${context}`);
        assert.equal(stderr, '', context);
        assert.doesNotMatch(stdout, STACK_TRACE, context);
        const lines = stdout.trimEnd().split('\n');
        if (code === 0) assert.deepEqual(lines, [`${file}: valid`], context);
        else for (const line of lines) assert.match(line, PROBLEM_LINE, context);
        if (code === 2) for (const line of lines) assert.ok(line.startsWith(`${file}:`), context);
      }),
    );
  }
});
