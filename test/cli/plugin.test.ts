// kubectl finds bin/kubectl-drill on PATH and runs it as `kubectl drill`, on the Node the project brings.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { delimiter } from 'node:path';
import { test } from 'node:test';
import { repoRoot, sandboxBinDir } from '../support/paths.ts';

const kubectl = `${sandboxBinDir()}/kubectl`;
// A PATH whose `node` is the system one (Node 20 on these machines): the plugin must not depend on it.
const env = {
  ...process.env,
  PATH: [`${repoRoot}bin`, '/usr/local/bin', '/usr/bin', '/bin'].join(delimiter),
};

test('kubectl plugin list finds kubectl-drill', () => {
  const result = spawnSync(kubectl, ['plugin', 'list'], { env, encoding: 'utf8' });
  assert.match(result.stdout, /bin\/kubectl-drill$/m);
});

test('kubectl drill --help runs the CLI and reads as a kubectl plugin', () => {
  const result = spawnSync(kubectl, ['drill', '--help'], { env, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /\$ kubectl drill /);
  assert.match(result.stdout, /node-v2[2-9]|node-v[3-9]\d/, 'runs on Node >= 22');
});
