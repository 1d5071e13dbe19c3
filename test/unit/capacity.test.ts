// The capacity check before a zone is emptied: requests of the pods that move against what the
// surviving nodes have free, as the scheduler counts requests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { capacityOf, requestsOf } from '../../src/kube/capacity.ts';
import { parseQuantity } from '../../src/kube/quantity.ts';

const node = (
  name: string,
  cpu: string,
  memory: string,
  extra: { unschedulable?: boolean; ready?: boolean } = {},
): V1Node => ({
  metadata: { name },
  spec: { unschedulable: extra.unschedulable },
  status: {
    allocatable: { cpu, memory, pods: '10' },
    conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }],
  },
});
const pod = (nodeName: string, cpu: string, memory: string, owner?: string): V1Pod => ({
  metadata: {
    name: `p-${nodeName}-${cpu}`,
    ownerReferences: owner ? [{ kind: owner, name: 'o', uid: 'u', apiVersion: 'apps/v1', controller: true }] : [],
  },
  spec: { nodeName, containers: [{ name: 'c', resources: { requests: { cpu, memory } } }] },
});

describe('parseQuantity', () => {
  it('reads the API forms in base units', () => {
    assert.equal(parseQuantity('250m'), 0.25);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('512Mi'), 512 * 2 ** 20);
    assert.equal(parseQuantity('1G'), 1e9);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.throws(() => parseQuantity('12 apples'), /not a resource quantity/);
  });
});

describe('capacityOf', () => {
  const nodes = [
    node('a-1', '2', '4Gi'),
    node('b-1', '2', '4Gi'),
    node('b-2', '2', '4Gi', { unschedulable: true }),
    node('c-1', '2', '4Gi', { ready: false }),
  ];

  it('counts the pods that move against what schedulable Ready survivors have free', () => {
    const pods = [
      pod('a-1', '1500m', '1Gi'),
      pod('a-1', '1', '1Gi', 'DaemonSet'),
      pod('b-1', '500m', '1Gi', 'DaemonSet'),
    ];
    const check = capacityOf(nodes, pods, new Set(['a-1']), 0);
    assert.deepEqual(check.surviving, ['b-1']);
    assert.deepEqual(check.needed, { cpu: 1.5, memory: 2 ** 30, pods: 1 });
    assert.deepEqual(check.free, { cpu: 1.5, memory: 3 * 2 ** 30, pods: 9 });
    assert.deepEqual(check.short, []);
  });

  it('names what does not fit, with headroom kept back', () => {
    const pods = [pod('a-1', '2100m', '1Gi')];
    assert.deepEqual(capacityOf(nodes, pods, new Set(['a-1']), 0).short, ['cpu']);
    assert.deepEqual(capacityOf(nodes, [pod('a-1', '1100m', '1Gi')], new Set(['a-1']), 0.5).short, ['cpu']);
    assert.deepEqual(capacityOf(nodes, [pod('a-1', '1100m', '1Gi')], new Set(['a-1']), 0.4).short, []);
  });

  it('takes the larger of the containers and the largest init container, plus overhead', () => {
    const p: V1Pod = {
      spec: {
        containers: [
          { name: 'a', resources: { requests: { cpu: '100m' } } },
          { name: 'b', resources: { requests: { cpu: '100m' } } },
        ],
        initContainers: [{ name: 'i', resources: { requests: { cpu: '500m', memory: '1Mi' } } }],
        overhead: { cpu: '50m' },
      },
    };
    assert.deepEqual(requestsOf(p), { cpu: 0.55, memory: 2 ** 20, pods: 1 });
  });
});
