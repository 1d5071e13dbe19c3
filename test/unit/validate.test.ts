import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkStepReference, formatResult, validateRunbook, validateRunbookFile } from '../../src/runbook/index.ts';

const fixtures = new URL('../fixtures/runbooks/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, fixtures), 'utf8');
const list = (folder: string, extension: string) =>
  readdirSync(new URL(folder, fixtures))
    .filter((name) => name.endsWith(extension))
    .sort();

/** `--set` values an invalid fixture asks for, in comment lines like `# validate: --set zone=b`. */
function setFlags(source: string): Record<string, string> {
  const set: Record<string, string> = {};
  for (const [, name = '', value = ''] of source.matchAll(/^# validate: --set ([^=\s]+)=(\S*)$/gm)) set[name] = value;
  return set;
}

describe('valid runbooks', () => {
  for (const name of list('valid/', '.yaml')) {
    it(`${name} has no problems`, () => {
      const result = validateRunbook(read(`valid/${name}`), name);
      assert.deepEqual(formatResult(result), [`${name}: valid`]);
    });
  }

  it('come back typed, with positions for later messages', () => {
    const result = validateRunbook(read('valid/evacuate-region.yaml'), 'evacuate-region.yaml');
    assert.ok(result.valid);
    const [first] = result.runbook.spec.steps;
    assert.equal(first?.action, 'scale');
    assert.deepEqual(result.positions.ofValue(['spec', 'steps', 0, 'action']), { line: 19, col: 15 });
    assert.deepEqual(result.positions.ofKey(['spec', 'steps', 0, 'target']), { line: 25, col: 7 });
  });
});

describe('invalid runbooks', () => {
  const names = list('invalid/', '.yaml');

  it('cover at least 25 kinds of mistake', () => assert.ok(names.length >= 25, `${names.length} fixtures`));

  for (const name of names) {
    it(`${name} reports exactly the expected problems`, () => {
      const source = read(`invalid/${name}`);
      const expected = read(`invalid/${name.replace(/\.yaml$/, '.expected')}`)
        .trimEnd()
        .split('\n');
      const result = validateRunbook(source, name, { set: setFlags(source) });
      assert.equal(result.valid, false);
      assert.deepEqual(formatResult(result), expected);
    });
  }
});

describe('validateRunbook', () => {
  const runbook = (steps: string) =>
    `apiVersion: drill/v1\nkind: Runbook\nmetadata: {name: t}\nspec:\n  params:\n    zone: {required: true}\n  steps:\n${steps}`;

  it('reports every problem at once, sorted by position', () => {
    const source = runbook(
      '    - {id: b, action: sleep, with: {duration: 5x}}\n    - {id: a, action: nodes.drian}\n    - {id: a, action: sleep}\n',
    );
    assert.deepEqual(formatResult(validateRunbook(source, 'r.yaml')), [
      'r.yaml:8:47: "duration" has unknown unit "x" in "5x"; use ms, s, m or h',
      'r.yaml:9:23: unknown action "nodes.drian"; did you mean "nodes.drain"?',
      'r.yaml:10:7: missing required key "with" in step "a"',
      'r.yaml:10:12: duplicate step id "a"; it is also used on line 9',
    ]);
  });

  it('leaves params without a value to run time unless asked', () => {
    const source = runbook('    - {id: a, action: sleep, with: {duration: 1s}}\n');
    assert.ok(validateRunbook(source, 'r.yaml').valid);
    assert.deepEqual(formatResult(validateRunbook(source, 'r.yaml', { requireParams: true })), [
      'r.yaml:6:5: param "zone" has no value; pass --set zone=VALUE',
    ]);
    assert.ok(validateRunbook(source, 'r.yaml', { requireParams: true, set: { zone: 'a' } }).valid);
  });

  it('checks params resolved from --set against the inputs they feed', () => {
    const source = runbook('    - {id: a, action: sleep, with: {duration: "${{ params.zone }}"}}\n');
    assert.ok(validateRunbook(source, 'r.yaml', { set: { zone: '5m' } }).valid);
    assert.deepEqual(formatResult(validateRunbook(source, 'r.yaml', { set: { zone: 'soon' } })), [
      'r.yaml:8:47: "duration" (from "${{ params.zone }}") is not a duration: "soon"; expected a number followed by a unit, like 30s or 1h30m',
    ]);
  });

  it('reports a file it cannot read', async () => {
    const result = await validateRunbookFile('does/not/exist.yaml');
    assert.deepEqual(formatResult(result), ['does/not/exist.yaml: cannot read the file: no such file']);
  });
});

describe('checkStepReference', () => {
  it('suggests the step meant by --from or --only', () => {
    const result = validateRunbook(read('valid/evacuate-region.yaml'), 'e.yaml');
    assert.ok(result.valid);
    assert.equal(checkStepReference(result.runbook, 'cordon'), undefined);
    assert.equal(checkStepReference(result.runbook, 'cordn'), 'unknown step "cordn"; did you mean "cordon"?');
  });
});
