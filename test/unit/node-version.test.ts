import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { requiredNodeMajor, tooOldNode } from '../../src/node-version.ts';

test("the Node the CLI checks for is package.json's engines", () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string };
  };
  assert.equal(pkg.engines.node, `>=${requiredNodeMajor}`);
});

test('an older Node gets one line naming the version needed and the Node found', () => {
  assert.equal(tooOldNode('v22.0.0', '/usr/bin/node'), undefined);
  assert.equal(tooOldNode('v24.21.0', '/usr/bin/node'), undefined);
  assert.equal(
    tooOldNode('v20.20.2', '/usr/bin/node'),
    'kubectl-drill needs Node.js >= 22; /usr/bin/node is v20.20.2. Install a newer Node, or the krew archive that carries its own.',
  );
});
