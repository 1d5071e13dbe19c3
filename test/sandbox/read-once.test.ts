// A plan reads the cluster as of one moment (src/engine/planner.ts): on its connections, the same
// list asked for by several steps is read once, and every step gets that answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Clusters } from '../../src/kube/cluster.ts';
import { listPage } from '../../src/kube/objects.ts';
import { adminKubeconfig } from '../support/paths.ts';

test('a connection that reads once answers a list it has read from its first answer', async () => {
  const once = await new Clusters({ kubeconfig: adminKubeconfig }, { readOnce: true }).get();
  const [first, again] = await Promise.all([
    listPage(once, '/api/v1/nodes', { limit: '1' }),
    listPage(once, '/api/v1/nodes', { limit: '1' }),
  ]);
  assert.equal(again, first);
  assert.equal(await listPage(once, '/api/v1/nodes', { limit: '1' }), first);
  const other = await listPage(once, '/api/v1/nodes', { limit: '2' });
  assert.notEqual(other, first);
  assert.equal(other.items.length, 2);

  const each = await new Clusters({ kubeconfig: adminKubeconfig }).get();
  const [one, two] = [
    await listPage(each, '/api/v1/nodes', { limit: '1' }),
    await listPage(each, '/api/v1/nodes', { limit: '1' }),
  ];
  assert.notEqual(two, one);
  assert.deepEqual(
    two.items.map((n) => (n as { metadata?: { name?: string } }).metadata?.name),
    one.items.map((n) => (n as { metadata?: { name?: string } }).metadata?.name),
  );
});
