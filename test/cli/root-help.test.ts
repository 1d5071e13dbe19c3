// The root help printed from dist/root-help.json (src/root-help.ts) is byte for byte what oclif prints
// at run time: the built CLI's `--help` and bare `kubectl drill` against oclif's own `run(['--help'])`
// from node_modules, same package.json and manifest, stdout not a terminal, across widths and with and
// without colour. Each case also says which path printed it: the fast path never loads src/start.ts's
// chunk (and so neither oclif), a case outside what the build rendered does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { repoRoot } from '../support/paths.ts';

const node = `${repoRoot}node_modules/node/bin/node`;
const cli = `${repoRoot}bin/kubectl-drill`;
// Not support/cli.ts's cli: that module connects to the sandbox, which help must not need.
const oclif = `import { run } from '@oclif/core'; await run(['--help'], ${JSON.stringify(repoRoot)});`;
// Reports on stderr every module of dist/ the process loads (encoded: NODE_OPTIONS splits at spaces).
const traceLoads = `data:text/javascript,${encodeURIComponent(
  "import { registerHooks } from 'node:module'; registerHooks({ load(url, context, next) " +
    "{ if (url.includes('/dist/')) process.stderr.write(`loaded ${url}\\n`); return next(url, context); } });",
)}`;

interface Output {
  status: number | null;
  stdout: string;
  stderr: string;
}

function spawn(file: string, args: string[], env: Record<string, string>): Output {
  // The test runner's own environment may force colour or set a width; each case sets its own.
  const { FORCE_COLOR, NO_COLOR, OCLIF_COLUMNS, DEBUG, NODE_OPTIONS, ...rest } = process.env;
  const result = spawnSync(file, args, { cwd: repoRoot, env: { ...rest, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.replace(/^\(node:\d+\)/gm, '(node)') };
}

const cases: { name: string; env: Record<string, string>; fast: boolean }[] = [
  { name: 'default (80 columns, no colour)', env: {}, fast: true },
  { name: 'CI set', env: { CI: 'true' }, fast: true },
  { name: 'narrowest width rendered', env: { OCLIF_COLUMNS: '47' }, fast: true },
  { name: '120 columns', env: { OCLIF_COLUMNS: '120' }, fast: true },
  { name: 'widest width rendered', env: { OCLIF_COLUMNS: '300' }, fast: true },
  { name: 'colour forced', env: { FORCE_COLOR: '1' }, fast: true },
  { name: 'colour forced, 61 columns', env: { FORCE_COLOR: '1', OCLIF_COLUMNS: '61' }, fast: true },
  { name: 'colour off', env: { NO_COLOR: '1' }, fast: true },
  // Node warns about these two on stderr (naming its process id) once oclif asks about colours.
  { name: 'NO_COLOR and FORCE_COLOR', env: { NO_COLOR: '1', FORCE_COLOR: '1' }, fast: false },
  { name: 'user agent wrapped by oclif', env: { OCLIF_COLUMNS: '40' }, fast: false },
  { name: 'narrower than rendered', env: { OCLIF_COLUMNS: '20' }, fast: false },
  { name: 'wider than rendered', env: { OCLIF_COLUMNS: '301' }, fast: false },
  { name: 'DEBUG set', env: { DEBUG: 'nothing-that-matches' }, fast: false },
];

for (const { name, env, fast } of cases) {
  test(`root help, ${name}: as oclif prints it`, () => {
    const expected = spawn(node, ['--input-type=module', '-e', oclif], env);
    assert.equal(expected.status, 0, expected.stderr);
    assert.match(expected.stdout, /COMMANDS/);
    for (const args of [['--help'], []]) {
      const actual = spawn(cli, args, env);
      assert.deepEqual(actual, expected, `kubectl drill ${args.join(' ')}`);
      const loads = spawn(cli, args, { ...env, NODE_OPTIONS: `--import=${traceLoads}` }).stderr;
      assert.match(loads, /dist\/cli\.js/, 'the load trace works');
      assert.equal(loads.includes('/dist/chunks/start-'), !fast, fast ? 'fast path' : 'oclif path');
    }
  });
}
