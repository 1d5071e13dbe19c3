// `kubectl drill validate` run without oclif (src/validate-fast.ts) prints, on stdout and stderr, and
// exits exactly as the same built CLI does through oclif (its fast path replaced, by a module hook, with
// one that always declines); and each command line takes the path it should: the plain shapes never
// load oclif's main (src/main.ts's chunk), the others do. The fast path's code cache
// (src/cached-bundle.ts) is made by the first run, kept by the next, and replaced when V8 refuses it,
// without changing what validate prints.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/paths.ts';

// Not support/cli.ts's cli: that module connects to the sandbox, which validate must not need.
const cli = `${repoRoot}bin/kubectl-drill`;
/** A module for `node --import` that registers this load hook (encoded: NODE_OPTIONS splits at spaces). */
const loadHook = (body: string): string =>
  `--import=data:text/javascript,${encodeURIComponent(
    `import { registerHooks } from 'node:module'; registerHooks({ load(url, context, next) { ${body} } });`,
  )}`;
// Reports on stderr every module of dist/ the process loads.
const traceLoads = loadHook(
  "if (url.includes('/dist/')) process.stderr.write(`loaded ${url}\\n`); return next(url, context);",
);
// validate's fast path, declining every command line.
const withoutFastPath = loadHook(
  "if (!url.includes('/dist/chunks/validate-fast-')) return next(url, context); return { format: 'module', " +
    "shortCircuit: true, source: 'export async function validateWithoutOclif() { return false; }' };",
);

const valid = 'test/fixtures/runbooks/valid/evacuate-region.yaml';
const secret = 'test/fixtures/runbooks/valid/secret-param.yaml';
const invalid = 'test/fixtures/runbooks/invalid/bad-indentation.yaml';
const invalid2 = 'test/fixtures/runbooks/invalid/abort-unknown-condition.yaml';

function spawn(file: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(file, args, { cwd: repoRoot, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const cases: { args: string[]; fast: boolean }[] = [
  { args: [valid], fast: true },
  { args: [invalid], fast: true },
  { args: [valid, invalid, invalid2], fast: true },
  { args: ['no-such-file.yaml'], fast: true },
  { args: [valid, '-o', 'json'], fast: true },
  { args: ['-ojson', invalid], fast: true },
  { args: ['--output=json', valid, invalid], fast: true },
  { args: ['-o=text', invalid], fast: true },
  { args: [valid, '--set', 'region=us-east'], fast: true },
  { args: [valid, '--set=region=us-east', '--set', 'nope=1', '-o', 'json'], fast: true },
  { args: [secret, '--set', 'statusUrl=https://user:hunter2@x.test/?token=hunter3', '--set', 'nope=1'], fast: true },
  // oclif's own messages and shapes.
  { args: [], fast: false },
  { args: [valid, '--set', 'region'], fast: false },
  { args: [valid, '--set', 'a=1', '--set', 'a=2'], fast: false },
  { args: ['--set', 'region=us-east', valid], fast: false },
  { args: [valid, '-o', 'yaml'], fast: false },
  { args: [valid, '-o', 'json', '-o', 'text'], fast: false },
  { args: [valid, '--set'], fast: false },
  { args: [valid, '--bogus'], fast: false },
  { args: [valid, '--help'], fast: false },
  { args: ['--', valid], fast: false },
];

for (const { args, fast } of cases) {
  test(`validate ${args.join(' ')}: as oclif, ${fast ? 'without' : 'through'} oclif`, () => {
    const expected = spawn(cli, ['validate', ...args], { NODE_OPTIONS: withoutFastPath });
    const actual = spawn(cli, ['validate', ...args]);
    assert.deepEqual(actual, expected);
    const loads = spawn(cli, ['validate', ...args], { NODE_OPTIONS: traceLoads }).stderr;
    assert.match(loads, /dist\/cli\.js/, 'the load trace works');
    assert.equal(loads.includes('/dist/chunks/main-'), !fast, fast ? 'fast path' : 'oclif path');
  });
}

test('the fast path keeps a code cache: made on the first run, kept, and a broken one replaced', (t) => {
  const cacheHome = mkdtempSync(join(tmpdir(), 'drill-code-cache-'));
  t.after(() => rmSync(cacheHome, { recursive: true, force: true }));
  const cacheDir = join(cacheHome, 'kubectl-drill', 'code-cache');
  const validate = () => spawn(cli, ['validate', valid, invalid], { XDG_CACHE_HOME: cacheHome });
  const expected = spawn(cli, ['validate', valid, invalid], { NODE_OPTIONS: withoutFastPath });
  const entry = () => {
    const entries = readdirSync(cacheDir);
    assert.equal(entries.length, 1, `one entry: ${entries.join(', ')}`);
    const file = join(cacheDir, entries[0] ?? '');
    return { file, content: readFileSync(file), mtimeMs: statSync(file).mtimeMs };
  };

  assert.deepEqual(validate(), expected);
  const made = entry();
  assert.match(made.file, /validate-files\.cjs-v\d+/);
  assert.ok(made.content.length > 100_000, `a cache of the whole bundle: ${made.content.length} bytes`);

  assert.deepEqual(validate(), expected);
  assert.deepEqual(entry(), made, 'an accepted cache is left as it is');

  writeFileSync(made.file, 'not a V8 code cache');
  assert.deepEqual(validate(), expected);
  const replaced = entry();
  assert.equal(replaced.file, made.file);
  assert.ok(replaced.content.length > 100_000, 'the refused cache is written again');
});
