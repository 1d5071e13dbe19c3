// One connection carries a drill's requests: client-node would open a TLS connection for every
// request (cluster.ts reuses one dispatcher), which made plans of large regions slow and heavy.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { test } from 'node:test';
import { connect } from '../../src/kube/cluster.ts';
import { adminKubeconfig } from '../support/paths.ts';

test('many requests, some at once, open one connection', async () => {
  const cluster = await connect({ kubeconfig: adminKubeconfig });
  let connections = 0;
  const connected = (): void => {
    connections++;
  };
  subscribe('undici:client:connected', connected);
  try {
    await cluster.core.listNode();
    await Promise.all(Array.from({ length: 20 }, () => cluster.core.listNamespace()));
    await cluster.policy.listPodDisruptionBudgetForAllNamespaces();
  } finally {
    unsubscribe('undici:client:connected', connected);
  }
  assert.equal(connections, 1);
});
