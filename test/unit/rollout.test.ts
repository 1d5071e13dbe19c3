// The pure decisions of the workload kinds (src/kube/workloads): which revision a rollback goes to,
// when two templates are the same, which annotations a rolled-back Deployment gets, and when a
// rollout or a scale is done.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1DaemonSet, V1Deployment, V1PodTemplateSpec, V1StatefulSet } from '@kubernetes/client-node';
import { daemonSetRolloutStatus } from '../../src/kube/workloads/daemonset.ts';
import { deploymentRolloutStatus, rollbackAnnotations } from '../../src/kube/workloads/deployment.ts';
import { chooseRevision, parseRevision, sameTemplate } from '../../src/kube/workloads/revisions.ts';
import { statefulSetRolloutStatus } from '../../src/kube/workloads/statefulset.ts';
import { scaleStatus } from '../../src/kube/workloads/status.ts';

const history = (...revisions: number[]) => revisions.map((revision) => ({ revision }));

describe('chooseRevision', () => {
  test('0 means the highest revision below the current (highest) one, whatever the order', () => {
    assert.deepEqual(chooseRevision(history(2, 7, 5), 0, 'Deployment a/b'), {
      current: { revision: 7 },
      target: { revision: 5 },
    });
  });

  test('a given revision is taken as it is, even the current one', () => {
    assert.deepEqual(chooseRevision(history(1, 2, 3), 1, 'x').target, { revision: 1 });
    assert.deepEqual(chooseRevision(history(1, 2, 3), 3, 'x'), { current: { revision: 3 }, target: { revision: 3 } });
  });

  test('fails, naming the workload, without a revision to go to', () => {
    assert.throws(() => chooseRevision(history(4), 0, 'Deployment shop/checkout'), {
      message: 'Deployment shop/checkout has no previous revision to roll back to (revision 4 is its only one)',
    });
    assert.throws(() => chooseRevision([], 0, 'StatefulSet shop/db'), {
      message: 'StatefulSet shop/db has no rollout history',
    });
    assert.throws(() => chooseRevision(history(3, 1), 2, 'DaemonSet shop/agent'), {
      message: 'DaemonSet shop/agent has no revision 2 (its revisions: 1, 3)',
    });
  });
});

describe('parseRevision', () => {
  test('reads whole numbers only', () => {
    assert.equal(parseRevision('12'), 12);
    assert.equal(parseRevision(undefined), undefined);
    assert.equal(parseRevision(''), undefined);
    assert.equal(parseRevision('1.5'), undefined);
    assert.equal(parseRevision('-1'), undefined);
  });
});

describe('sameTemplate', () => {
  const template = (labels: Record<string, string>, extra: object = {}): V1PodTemplateSpec => ({
    metadata: { labels },
    spec: { containers: [{ name: 'app', image: 'app:1' }], ...extra },
  });

  test('ignores pod-template-hash', () => {
    assert.ok(sameTemplate(template({ app: 'a', 'pod-template-hash': 'abc' }), template({ app: 'a' })));
  });

  test('counts missing, null, empty lists and empty maps as the same', () => {
    assert.ok(sameTemplate(template({ app: 'a' }, { tolerations: [], nodeSelector: {} }), template({ app: 'a' })));
    assert.ok(sameTemplate(template({ app: 'a' }, { securityContext: null }), template({ app: 'a' })));
  });

  test('sees any other difference', () => {
    assert.ok(!sameTemplate(template({ app: 'a' }), template({ app: 'b' })));
    assert.ok(!sameTemplate(template({ app: 'a' }, { priority: 0 }), template({ app: 'a' })));
    const other = template({ app: 'a' });
    other.spec = { containers: [{ name: 'app', image: 'app:2' }] };
    assert.ok(!sameTemplate(template({ app: 'a' }), other));
  });
});

describe('rollbackAnnotations', () => {
  test("keeps the Deployment's bookkeeping and takes everything else from the ReplicaSet", () => {
    const deployment = {
      'deployment.kubernetes.io/revision': '3',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'kubernetes.io/change-cause': 'release 1.9.0',
      'team.example/owner': 'payments',
    };
    const replicaSet = {
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
      'kubernetes.io/change-cause': 'release 1.8.0',
    };
    assert.deepEqual(rollbackAnnotations(deployment, replicaSet), {
      'deployment.kubernetes.io/revision': '3',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'kubernetes.io/change-cause': 'release 1.8.0',
    });
  });
});

describe('deploymentRolloutStatus', () => {
  const deployment = (status: V1Deployment['status'], generation = 2, replicas = 3): V1Deployment => ({
    metadata: { generation },
    spec: { replicas, selector: {}, template: {} },
    status,
  });
  const complete = { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 };

  test('waits until the spec update is observed', () => {
    assert.deepEqual(deploymentRolloutStatus(deployment({ ...complete, observedGeneration: 1 })), {
      state: 'waiting',
      message: 'waiting for the spec update to be observed',
    });
  });

  test('waits for updated replicas, then old ones to go, then availability', () => {
    const state = (status: V1Deployment['status']) => deploymentRolloutStatus(deployment(status)).message;
    assert.equal(state({ ...complete, updatedReplicas: 1 }), '1 of 3 new replicas updated');
    assert.equal(state({ ...complete, replicas: 4 }), '1 old replicas pending termination');
    assert.equal(state({ ...complete, availableReplicas: 2 }), '2 of 3 updated replicas available');
  });

  test('is done when every replica is updated and available', () => {
    assert.equal(deploymentRolloutStatus(deployment(complete)).state, 'done');
    assert.equal(deploymentRolloutStatus(deployment({ observedGeneration: 2 }, 2, 0)).state, 'done');
  });

  test('fails on ProgressDeadlineExceeded, but only once the spec is observed', () => {
    const conditions = [
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' },
    ];
    assert.deepEqual(deploymentRolloutStatus(deployment({ ...complete, updatedReplicas: 1, conditions })), {
      state: 'failed',
      message: 'exceeded its progress deadline (too slow)',
    });
    assert.equal(
      deploymentRolloutStatus(deployment({ ...complete, observedGeneration: 1, conditions })).state,
      'waiting',
    );
  });
});

describe('statefulSetRolloutStatus', () => {
  const statefulSet = (
    status: Partial<V1StatefulSet['status']>,
    partition?: number,
    strategy = 'RollingUpdate',
  ): V1StatefulSet => ({
    metadata: { generation: 2 },
    spec: {
      replicas: 3,
      selector: {},
      serviceName: 'db',
      template: {},
      updateStrategy: { type: strategy, rollingUpdate: partition === undefined ? undefined : { partition } },
    },
    status: { replicas: 3, ...status },
  });
  const complete = {
    observedGeneration: 2,
    readyReplicas: 3,
    updatedReplicas: 3,
    currentReplicas: 3,
    currentRevision: 'db-2',
    updateRevision: 'db-2',
  };

  test('waits for observation, then ready pods', () => {
    assert.equal(statefulSetRolloutStatus(statefulSet({ ...complete, observedGeneration: 0 })).state, 'waiting');
    assert.equal(statefulSetRolloutStatus(statefulSet({ ...complete, observedGeneration: 1 })).state, 'waiting');
    assert.equal(
      statefulSetRolloutStatus(statefulSet({ ...complete, readyReplicas: 2 })).message,
      'waiting for 1 pods to be ready',
    );
  });

  test('without a partition, waits until the update revision is current', () => {
    const rolling = statefulSet({ ...complete, currentRevision: 'db-1', updatedReplicas: 2 });
    assert.deepEqual(statefulSetRolloutStatus(rolling), { state: 'waiting', message: '2 pods at revision db-2' });
    assert.equal(statefulSetRolloutStatus(statefulSet(complete)).state, 'done');
  });

  test('with a partition, is done once the pods above it are updated', () => {
    assert.equal(statefulSetRolloutStatus(statefulSet({ ...complete, updatedReplicas: 1 }, 1)).state, 'waiting');
    assert.equal(statefulSetRolloutStatus(statefulSet({ ...complete, updatedReplicas: 2 }, 1)).state, 'done');
  });

  test('fails for the OnDelete strategy', () => {
    assert.deepEqual(statefulSetRolloutStatus(statefulSet(complete, undefined, 'OnDelete')), {
      state: 'failed',
      message: 'rollout status is only available for the RollingUpdate strategy, not OnDelete',
    });
  });
});

describe('daemonSetRolloutStatus', () => {
  const daemonSet = (status: Partial<V1DaemonSet['status']>): V1DaemonSet => ({
    metadata: { generation: 4 },
    spec: { selector: {}, template: {} },
    status: {
      currentNumberScheduled: 12,
      numberMisscheduled: 0,
      numberReady: 12,
      desiredNumberScheduled: 12,
      observedGeneration: 4,
      updatedNumberScheduled: 12,
      numberAvailable: 12,
      ...status,
    },
  });

  test('waits for observation, updated pods, then available pods', () => {
    assert.equal(daemonSetRolloutStatus(daemonSet({ observedGeneration: 3 })).state, 'waiting');
    assert.equal(daemonSetRolloutStatus(daemonSet({ updatedNumberScheduled: 5 })).message, '5 of 12 new pods updated');
    assert.equal(daemonSetRolloutStatus(daemonSet({ numberAvailable: 11 })).message, '11 of 12 updated pods available');
    assert.equal(daemonSetRolloutStatus(daemonSet({})).state, 'done');
  });
});

describe('scaleStatus', () => {
  const scaled = (replicas: number, status: Partial<V1Deployment['status']>): V1Deployment => ({
    metadata: { generation: 5 },
    spec: { replicas, selector: {}, template: {} },
    status: { observedGeneration: 5, ...status },
  });

  test('waits for availability, then for extra and terminating replicas to go', () => {
    assert.equal(scaleStatus(scaled(3, { replicas: 3, availableReplicas: 2 }), 3).message, '2 of 3 replicas available');
    assert.equal(
      scaleStatus(scaled(1, { replicas: 3, availableReplicas: 3 }), 1).message,
      '2 extra replicas to remove',
    );
    assert.equal(
      scaleStatus(scaled(1, { replicas: 1, availableReplicas: 1, terminatingReplicas: 2 }), 1).message,
      '2 replicas still terminating',
    );
    assert.equal(scaleStatus(scaled(0, {}), 0).state, 'done');
    assert.equal(scaleStatus(scaled(3, { replicas: 3, availableReplicas: 3 }), 3).state, 'done');
  });

  test('waits until the new count is observed', () => {
    const stale = scaled(3, { replicas: 1, availableReplicas: 1, observedGeneration: 4 });
    assert.equal(scaleStatus(stale, 3).state, 'waiting');
  });

  test('fails when someone else changes the replica count', () => {
    assert.deepEqual(scaleStatus(scaled(6, { replicas: 6, availableReplicas: 6 }), 3), {
      state: 'failed',
      message: 'its replica count was changed to 6 while waiting for 3 (by an autoscaler?)',
    });
  });
});
