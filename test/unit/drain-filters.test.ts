// kubectl drain's pod filters, each alone against a table of pods (as filters_test.go does), then
// the chain: its order, the verdict it keeps, and how warnings and errors are grouped and worded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { daemonSetFilter } from '../../src/kube/drain-filters/daemon-set.ts';
import type { FilterSettings, PodDeleteStatus, PodFilter } from '../../src/kube/drain-filters/filter.ts';
import { filterPods, podFilters } from '../../src/kube/drain-filters/index.ts';
import { localStorageFilter } from '../../src/kube/drain-filters/local-storage.ts';
import { mirrorPodFilter } from '../../src/kube/drain-filters/mirror.ts';
import { skipDeletedFilter } from '../../src/kube/drain-filters/skip-deleted.ts';
import { unreplicatedFilter } from '../../src/kube/drain-filters/unreplicated.ts';
import { planPods } from '../../src/kube/drain.ts';

const now = Date.parse('2026-11-28T12:00:00Z');

interface PodShape {
  owner?: string;
  ownerApiVersion?: string;
  emptyDir?: boolean;
  phase?: string;
  mirror?: boolean;
  /** Seconds since the deletion began. */
  deletedAgo?: number;
}

function pod(name: string, shape: PodShape = {}): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      ownerReferences: shape.owner
        ? [
            {
              apiVersion: shape.ownerApiVersion ?? 'apps/v1',
              kind: shape.owner,
              name: `${name}-owner`,
              uid: 'u',
              controller: true,
            },
          ]
        : undefined,
      annotations: shape.mirror ? { 'kubernetes.io/config.mirror': '' } : undefined,
      deletionTimestamp: shape.deletedAgo === undefined ? undefined : new Date(now - shape.deletedAgo * 1000),
    },
    spec: { containers: [], volumes: shape.emptyDir ? [{ name: 'v', emptyDir: {} }] : [] },
    status: { phase: shape.phase ?? 'Running' },
  };
}

const defaults: FilterSettings = {
  ignoreDaemonSets: false,
  deleteEmptyDirData: false,
  force: false,
  skipWaitForDeleteTimeoutSeconds: 0,
  daemonSetExists: () => true,
  now,
};

function table(
  filter: PodFilter,
  rows: [string, PodShape, Partial<FilterSettings>, PodDeleteStatus['reason'], boolean, RegExp?][],
): void {
  for (const [what, shape, settings, reason, deletes, message] of rows) {
    test(`${filter.name}: ${what}`, () => {
      const status = filter.decide(pod('p', shape), { ...defaults, ...settings });
      assert.equal(status.reason, reason);
      assert.equal(status.delete, deletes);
      if (message) assert.match(status.message ?? '', message);
      else assert.equal(status.message, undefined);
    });
  }
}

describe('each filter alone', () => {
  table(skipDeletedFilter, [
    ['not being deleted', {}, { skipWaitForDeleteTimeoutSeconds: 10 }, 'okay', true],
    ['deleted long ago, but no timeout set', { deletedAgo: 3600 }, {}, 'okay', true],
    ['deleted 11 s ago, timeout 10 s', { deletedAgo: 11 }, { skipWaitForDeleteTimeoutSeconds: 10 }, 'skip', false],
    // kubectl compares whole seconds, strictly: 10.9 s is 10, not more than 10.
    ['deleted 10.9 s ago, timeout 10 s', { deletedAgo: 10.9 }, { skipWaitForDeleteTimeoutSeconds: 10 }, 'okay', true],
  ]);
  table(daemonSetFilter, [
    ['no controller', {}, {}, 'okay', true],
    ['a ReplicaSet', { owner: 'ReplicaSet' }, {}, 'okay', true],
    [
      'a DaemonSet of another API version',
      { owner: 'DaemonSet', ownerApiVersion: 'extensions/v1beta1' },
      {},
      'okay',
      true,
    ],
    [
      'a running DaemonSet pod',
      { owner: 'DaemonSet' },
      {},
      'error',
      false,
      /^DaemonSet-managed Pods \(set ignoreDaemonSets/,
    ],
    [
      'ignored',
      { owner: 'DaemonSet' },
      { ignoreDaemonSets: true },
      'warning',
      false,
      /^ignoring DaemonSet-managed Pods$/,
    ],
    ['Succeeded', { owner: 'DaemonSet', phase: 'Succeeded' }, {}, 'okay', true],
    ['Failed, DaemonSet gone', { owner: 'DaemonSet', phase: 'Failed' }, { daemonSetExists: () => false }, 'okay', true],
    [
      'orphaned, even when ignored',
      { owner: 'DaemonSet' },
      { daemonSetExists: () => false, ignoreDaemonSets: true },
      'error',
      false,
      /^orphaned DaemonSet Pods \(daemonsets\.apps "p-owner" not found; set force: true/,
    ],
    [
      'orphaned, forced',
      { owner: 'DaemonSet' },
      { daemonSetExists: () => false, force: true },
      'warning',
      true,
      /daemonsets\.apps "p-owner" not found/,
    ],
  ]);
  table(mirrorPodFilter, [
    ['a plain pod', {}, {}, 'okay', true],
    ['a mirror pod (annotation present, even empty)', { mirror: true }, {}, 'skip', false],
  ]);
  table(localStorageFilter, [
    ['no emptyDir', {}, {}, 'okay', true],
    ['emptyDir', { emptyDir: true }, {}, 'error', false, /^Pods with local storage \(set deleteEmptyDirData/],
    [
      'emptyDir, allowed',
      { emptyDir: true },
      { deleteEmptyDirData: true },
      'warning',
      true,
      /^deleting Pods with local/,
    ],
    ['emptyDir, Failed', { emptyDir: true, phase: 'Failed' }, {}, 'okay', true],
  ]);
  table(unreplicatedFilter, [
    ['a controller', { owner: 'ReplicaSet' }, {}, 'okay', true],
    ['a controller of any kind', { owner: 'Node' }, {}, 'okay', true],
    ['no controller', {}, {}, 'error', false, /^Pods that declare no controller \(set force: true/],
    ['no controller, forced', {}, { force: true }, 'warning', true, /^deleting Pods that declare no controller$/],
    ['no controller, Succeeded', { phase: 'Succeeded' }, {}, 'okay', true],
  ]);
});

describe('the chain', () => {
  test('runs in kubectl order', () => {
    assert.deepEqual(
      podFilters.map((f) => f.name),
      ['skipDeletedFilter', 'daemonSetFilter', 'mirrorPodFilter', 'localStorageFilter', 'unreplicatedFilter'],
    );
  });

  test('stops at the first filter that keeps a pod, and keeps only the last verdict', () => {
    const verdicts = filterPods(
      [
        // A mirror pod has no controller and an emptyDir: skipped before either is looked at.
        pod('mirror', { mirror: true, emptyDir: true }),
        // Allowed local storage with a controller: the warning is replaced by "okay".
        pod('cache', { owner: 'ReplicaSet', emptyDir: true }),
        // Allowed local storage without a controller: only the last warning survives.
        pod('scratch', { emptyDir: true }),
        // A forced orphaned DaemonSet pod: its warning is replaced by "okay" (it has a controller).
        pod('orphan', { owner: 'DaemonSet' }),
      ],
      { ...defaults, force: true, deleteEmptyDirData: true, daemonSetExists: () => false },
    );
    assert.deepEqual(
      verdicts.map((v) => [v.pod.metadata?.name, v.status.reason, v.status.delete, v.status.message]),
      [
        ['mirror', 'skip', false, undefined],
        ['cache', 'okay', true, undefined],
        ['scratch', 'warning', true, 'deleting Pods that declare no controller'],
        ['orphan', 'okay', true, undefined],
      ],
    );
  });
});

describe('planPods with kubectl semantics', () => {
  const options = { ignoreDaemonSets: false, deleteEmptyDirData: false, force: false };

  test('a pod being deleted goes through every filter: an unmanaged one stops the drain without force', () => {
    const plan = planPods([pod('leaving', { deletedAgo: 2 })], options, () => true, now);
    assert.deepEqual(plan.errors, [
      'cannot delete Pods that declare no controller (set force: true to override): ns/leaving',
    ]);
    const forced = planPods([pod('leaving', { deletedAgo: 2 })], { ...options, force: true }, () => true, now);
    assert.deepEqual(names(forced.terminating), ['leaving']);
    assert.deepEqual(forced.evict, []);
  });

  test('pods deleted longer ago than skipWaitForDeleteTimeout are left alone, whatever they are', () => {
    const pods = [pod('stuck', { deletedAgo: 30 }), pod('agent', { owner: 'DaemonSet', deletedAgo: 30 })];
    const plan = planPods(pods, { ...options, skipWaitForDeleteTimeoutSeconds: 20 }, () => false, now);
    assert.deepEqual(names(plan.ignored), ['stuck', 'agent']);
    assert.deepEqual([plan.errors, plan.warnings, plan.evict, plan.terminating], [[], [], [], []]);
  });

  test('an ignored DaemonSet pod being deleted is neither evicted nor waited for', () => {
    const plan = planPods(
      [pod('agent', { owner: 'DaemonSet', deletedAgo: 1 })],
      { ...options, ignoreDaemonSets: true },
      () => true,
      now,
    );
    assert.deepEqual(names(plan.ignored), ['agent']);
    assert.deepEqual(plan.terminating, []);
  });

  test('finished pods of every kind are deleted, with no flag and no warning', () => {
    const pods = [
      pod('bare-done', { phase: 'Succeeded' }),
      pod('bare-failed', { phase: 'Failed', emptyDir: true }),
      pod('agent-done', { owner: 'DaemonSet', phase: 'Succeeded' }),
      pod('orphan-failed', { owner: 'DaemonSet', phase: 'Failed' }),
      pod('job-done', { owner: 'Job', ownerApiVersion: 'batch/v1', phase: 'Succeeded' }),
    ];
    const plan = planPods(pods, options, (_, name) => name !== 'orphan-failed-owner', now);
    assert.deepEqual(
      names(plan.evict),
      pods.map((p) => p.metadata?.name),
    );
    assert.deepEqual([plan.errors, plan.warnings], [[], []]);
  });

  test('errors and warnings are grouped by message, pods joined as kubectl joins them', () => {
    const plan = planPods(
      [
        pod('a'),
        pod('agent-1', { owner: 'DaemonSet' }),
        pod('b'),
        pod('agent-2', { owner: 'DaemonSet' }),
        pod('cache', { owner: 'ReplicaSet', emptyDir: true }),
      ],
      options,
      () => true,
      now,
    );
    assert.deepEqual(plan.errors, [
      'cannot delete Pods that declare no controller (set force: true to override): ns/a, ns/b',
      'cannot delete DaemonSet-managed Pods (set ignoreDaemonSets: true to ignore): ns/agent-1, ns/agent-2',
      'cannot delete Pods with local storage (set deleteEmptyDirData: true to override): ns/cache',
    ]);
    const allowed = planPods(
      [pod('a'), pod('agent-1', { owner: 'DaemonSet' }), pod('b'), pod('agent-2', { owner: 'DaemonSet' })],
      { ignoreDaemonSets: true, deleteEmptyDirData: true, force: true },
      () => true,
      now,
    );
    assert.deepEqual(allowed.warnings, [
      'deleting Pods that declare no controller: ns/a, ns/b',
      'ignoring DaemonSet-managed Pods: ns/agent-1, ns/agent-2',
    ]);
  });
});

const names = (pods: V1Pod[]) => pods.map((p) => p.metadata?.name);
