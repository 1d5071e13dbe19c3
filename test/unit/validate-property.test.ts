// Property: whatever a shipped runbook is mutated into, validation answers, and answers well: no
// exception, no stack trace, every problem at a file:line:col inside the file. IN_PROCESS_RUNS
// cases run against the library here; test/cli/validate-property.test.ts sends some through the CLI.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { formatResult, validateRunbook } from '../../src/runbook/index.ts';
import { parseSetFlags } from '../../src/ui/flags.ts';
import { IN_PROCESS_RUNS, mutatedRunbook, PROBLEM_LINE, setValues, STACK_TRACE } from '../support/runbook-mutations.ts';

it(`validate answers every one of ${IN_PROCESS_RUNS} mutated runbooks with valid or file:line:col problems`, () => {
  fc.assert(
    fc.property(mutatedRunbook, setValues, fc.boolean(), ({ name, source }, pairs, requireParams) => {
      const parsed = parseSetFlags(pairs.map(([key, value]) => `${key}=${value}`));
      const set = parsed.ok ? parsed.set : {};
      const result = validateRunbook(source, name, { set, requireParams });
      const lines = formatResult(result);
      if (result.valid) {
        assert.deepEqual(lines, [`${name}: valid`]);
        return;
      }
      assert.ok(result.problems.length > 0);
      const lineCount = source.split(/\r\n|\r|\n/).length;
      for (const [index, line] of lines.entries()) {
        assert.match(line, PROBLEM_LINE);
        assert.ok(line.startsWith(`${name}:`), line);
        assert.doesNotMatch(line, STACK_TRACE);
        const position = result.problems[index]?.position;
        assert.ok(position, `no position: ${line}`);
        assert.ok(position.line >= 1 && position.line <= lineCount + 1 && position.col >= 1, line);
      }
    }),
    { numRuns: IN_PROCESS_RUNS },
  );
});
