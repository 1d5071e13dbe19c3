import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { planPods } from '../../src/kube/drain.ts';
import { selectorMatches } from '../../src/kube/selectors.ts';

function pod(
  name: string,
  extra: { owner?: string; emptyDir?: boolean; phase?: string; mirror?: boolean; deleting?: boolean } = {},
): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      ownerReferences: extra.owner
        ? [{ apiVersion: 'apps/v1', kind: extra.owner, name: `${name}-owner`, uid: 'u', controller: true }]
        : undefined,
      annotations: extra.mirror ? { 'kubernetes.io/config.mirror': 'x' } : undefined,
      deletionTimestamp: extra.deleting ? new Date() : undefined,
    },
    spec: { containers: [], volumes: extra.emptyDir ? [{ name: 'v', emptyDir: {} }] : [] },
    status: { phase: extra.phase ?? 'Running' },
  };
}

const kubectlDefaults = { ignoreDaemonSets: true, deleteEmptyDirData: false, force: false };
const names = (pods: V1Pod[]) => pods.map((p) => p.metadata?.name);

describe('planPods follows kubectl drain filters', () => {
  test('managed pods are evicted, DaemonSet and mirror pods ignored, terminating ones only awaited', () => {
    const plan = planPods(
      [
        pod('web', { owner: 'ReplicaSet' }),
        pod('agent', { owner: 'DaemonSet' }),
        pod('static', { mirror: true, owner: 'Node' }),
        pod('old', { owner: 'ReplicaSet', deleting: true }),
      ],
      kubectlDefaults,
      () => true,
    );
    assert.deepEqual(names(plan.evict), ['web']);
    assert.deepEqual(names(plan.ignored), ['agent', 'static']);
    assert.deepEqual(names(plan.terminating), ['old']);
    assert.deepEqual(plan.errors, []);
    assert.deepEqual(plan.warnings, ['ignoring DaemonSet-managed Pods: ns/agent']);
  });

  test('DaemonSet pods are fatal unless ignored, orphaned ones unless forced', () => {
    const strict = planPods(
      [pod('agent', { owner: 'DaemonSet' })],
      { ...kubectlDefaults, ignoreDaemonSets: false },
      () => true,
    );
    assert.match(strict.errors[0] ?? '', /cannot delete DaemonSet-managed Pods .*: ns\/agent/);
    const orphan = planPods([pod('agent', { owner: 'DaemonSet' })], kubectlDefaults, () => false);
    assert.match(orphan.errors[0] ?? '', /orphaned DaemonSet/);
    const forced = planPods([pod('agent', { owner: 'DaemonSet' })], { ...kubectlDefaults, force: true }, () => false);
    assert.deepEqual(names(forced.evict), ['agent']);
  });

  test('local storage and unmanaged pods are fatal unless allowed; finished pods never are', () => {
    const pods = [
      pod('cache', { owner: 'ReplicaSet', emptyDir: true }),
      pod('bare'),
      pod('done', { phase: 'Succeeded' }),
    ];
    const strict = planPods(pods, kubectlDefaults, () => true);
    assert.deepEqual(names(strict.evict), ['done']);
    assert.equal(strict.errors.length, 2);
    assert.match(strict.errors.join('\n'), /local storage .*: ns\/cache/);
    assert.match(strict.errors.join('\n'), /declare no controller .*: ns\/bare/);
    const allowed = planPods(pods, { ...kubectlDefaults, force: true, deleteEmptyDirData: true }, () => true);
    assert.deepEqual(names(allowed.evict), ['cache', 'bare', 'done']);
    // kubectl keeps the last filter's verdict only: the local storage warning is always replaced.
    assert.equal(allowed.warnings.length, 1);
  });
});

describe('selectorMatches', () => {
  const labels = { app: 'web', tier: 'front' };
  test('matchLabels and every operator', () => {
    assert.equal(selectorMatches({ matchLabels: { app: 'web' } }, labels), true);
    assert.equal(selectorMatches({ matchLabels: { app: 'api' } }, labels), false);
    assert.equal(
      selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, labels),
      true,
    );
    assert.equal(
      selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels),
      false,
    );
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels), true);
  });
  test('an empty selector matches everything, a missing one nothing', () => {
    assert.equal(selectorMatches({}, labels), true);
    assert.equal(selectorMatches(undefined, labels), false);
  });
});
