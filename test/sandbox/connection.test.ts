// One connection carries a drill's requests: client-node would open a TLS connection for every
// request (cluster.ts reuses one dispatcher), which made plans of large regions slow and heavy.
// That connection is the cluster's for the whole process: what is sent after the run's Events are
// flushed (the run lock's renewals and its release) still goes over it.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { connect } from '../../src/kube/cluster.ts';
import { EventSender } from '../../src/kube/events.ts';
import { acquireLease, readLease, releaseLease, renewLease } from '../../src/kube/lease.ts';
import { adminKubeconfig } from '../support/paths.ts';
import { testNamespace } from '../support/sandbox.ts';

const namespace = await testNamespace('connection');

/** Counts the TLS connections opened while fn runs. */
async function connectionsOpenedBy(fn: () => Promise<void>): Promise<number> {
  let connections = 0;
  const connected = (): void => {
    connections++;
  };
  subscribe('undici:client:connected', connected);
  try {
    await fn();
  } finally {
    unsubscribe('undici:client:connected', connected);
  }
  return connections;
}

test('many requests, some at once, open one connection', async () => {
  const cluster = await connect({ kubeconfig: adminKubeconfig });
  const connections = await connectionsOpenedBy(async () => {
    await cluster.core.listNode();
    await Promise.all(Array.from({ length: 20 }, () => cluster.core.listNamespace()));
    await cluster.policy.listPodDisruptionBudgetForAllNamespaces();
  });
  assert.equal(connections, 1);
});

test('after the Events are flushed, a Lease is still renewed and released, on the same connection', async () => {
  const cluster = await connect({ kubeconfig: adminKubeconfig });
  const failures: string[] = [];
  const sender = new EventSender({
    reporter: { controller: 'kubectl-drill', instance: 'test' },
    capacity: 10,
    requestTimeoutMs: 5_000,
    onFailure: (_report, error) => failures.push(error),
  });
  const name = `after-events-${randomBytes(3).toString('hex')}`;
  const claim = { namespace, name, holderIdentity: 'test', durationMs: 30_000, annotations: {}, labels: {} };
  const connections = await connectionsOpenedBy(async () => {
    const taken = await acquireLease(cluster, claim, () => false);
    assert.ok(taken.acquired);
    sender.send(() => Promise.resolve(cluster), {
      regarding: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name },
      type: 'Normal',
      reason: 'Test',
      action: 'Test',
      note: 'sent before the flush',
      time: new Date(),
    });
    assert.deepEqual(await sender.flush(5_000), { sent: 1, dropped: 0, unsent: 0 });
    const renewed = await renewLease(cluster, taken.lease, AbortSignal.timeout(5_000));
    assert.notEqual(renewed.spec.renewTime, taken.lease.spec.renewTime, 'renewed');
    assert.equal(await releaseLease(cluster, renewed, [], AbortSignal.timeout(5_000)), true);
  });
  assert.deepEqual(failures, []);
  assert.equal((await readLease(cluster, namespace, name))?.spec.holderIdentity, undefined, 'released');
  assert.equal(connections, 1);
});
