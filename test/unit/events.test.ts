// Kubernetes Events as src/kube/events.ts writes and sends them: where each lives, names and notes
// within the API's limits, and a sender that never throws at its caller, drops what does not fit
// its queue and reports what failed. Against the sandbox: test/cli/lock.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Cluster } from '../../src/kube/cluster.ts';
import { type EventReport, EventSender, eventObject } from '../../src/kube/events.ts';

describe('an Event', () => {
  const reporter = { controller: 'kubectl-drill', instance: 'me@here' };
  const time = new Date('2026-11-28T10:00:00.5Z');

  test('an Event about a cluster-scoped object goes to "default", as the kubelet puts a Node\'s', () => {
    const event = eventObject(
      {
        regarding: { apiVersion: 'v1', kind: 'Node', name: 'eu-west-a-1', uid: 'u1' },
        type: 'Normal',
        reason: 'DrillStepStarted',
        action: 'RunStep',
        note: 'n',
        time,
      },
      reporter,
      'abc',
    );
    assert.deepEqual(event.metadata, { name: 'eu-west-a-1.abc', namespace: 'default' });
    assert.equal(event.eventTime, '2026-11-28T10:00:00.500000Z');
    assert.equal(event.reportingController, 'kubectl-drill');
    assert.deepEqual(event.regarding, { apiVersion: 'v1', kind: 'Node', name: 'eu-west-a-1', uid: 'u1' });
    assert.equal('related' in event, false);
  });

  test("a namespaced object's Event lives in its namespace; names and notes are cut to the API's limits", () => {
    const event = eventObject(
      {
        regarding: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          namespace: 'shop',
          name: `System:${'x'.repeat(300)}`,
        },
        related: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kubectl-drill', name: 'drill-x' },
        type: 'Warning',
        reason: 'DrillStepFinished',
        action: 'RunStep',
        note: 'y'.repeat(2000),
        time,
      },
      { ...reporter, instance: 'i'.repeat(200) },
      'abc',
    );
    const { name, namespace } = event.metadata as { name: string; namespace: string };
    assert.equal(namespace, 'shop');
    assert.match(name, /^system-x+\.abc$/);
    assert.ok(name.length <= 253);
    assert.equal((event.note as string).length, 1024);
    assert.equal((event.reportingInstance as string).length, 128);
    assert.deepEqual(event.related, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: 'kubectl-drill',
      name: 'drill-x',
    });
  });
});

describe('sending Events', () => {
  const report: EventReport = {
    regarding: { apiVersion: 'v1', kind: 'Node', name: 'n1' },
    type: 'Normal',
    reason: 'DrillStepStarted',
    action: 'RunStep',
    note: 'n',
    time: new Date(),
  };

  test('a failure is reported, never thrown at the sender; flush says what was dropped and what is unsent', async () => {
    const failures: string[] = [];
    const sender = new EventSender({
      reporter: { controller: 'kubectl-drill', instance: 'me@here' },
      capacity: 2,
      requestTimeoutMs: 1000,
      onFailure: (failed, error) => failures.push(`${failed.reason}: ${error}`),
    });
    const { promise: hanging, reject: fail } = Promise.withResolvers<Cluster>();
    let calls = 0;
    const unreachable = (): Promise<Cluster> => (++calls === 1 ? hanging : Promise.reject(new Error('unreachable')));
    for (let i = 0; i < 5; i++) sender.send(unreachable, report);
    const started = performance.now();
    assert.deepEqual(await sender.flush(50), { sent: 0, dropped: 3, unsent: 2 });
    assert.ok(performance.now() - started < 1000, 'flush waits no longer than it is told');
    fail(new Error('no route to host'));
    assert.deepEqual(await sender.flush(1000), { sent: 0, dropped: 3, unsent: 0 });
    assert.deepEqual(failures, ['DrillStepStarted: no route to host', 'DrillStepStarted: unreachable']);
  });
});
