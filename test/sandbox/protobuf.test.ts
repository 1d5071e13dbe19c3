// The drain reads its pod lists as protobuf (src/kube/protobuf.ts), decoding only the fields it
// uses. Against the real API server, those fields must read exactly as the same pods' JSON gives
// them, for every pod of the cluster and for pods that use each field (a deletion under way, an
// emptyDir, owners, annotations); and a failure's Status must read as its JSON does.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { describeError } from '../../src/kube/errors.ts';
import { apiRequest, listPage } from '../../src/kube/objects.ts';
import { PodListReader, PROTOBUF } from '../../src/kube/protobuf.ts';
import { admin, core, testNamespace, waitFor } from '../support/sandbox.ts';

const HOLD = 'drill.dev/protobuf-test-hold';

/** A pod's JSON, cut down to the fields the drain reads (those src/kube/protobuf.ts decodes). */
function fieldsRead(pod: V1Pod): V1Pod {
  const m = pod.metadata ?? {};
  const defined = <T extends object>(object: T): T =>
    Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
  return {
    metadata: defined({
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      deletionTimestamp: m.deletionTimestamp,
      labels: m.labels,
      annotations: m.annotations,
      ownerReferences: m.ownerReferences?.map(({ kind, name, uid, apiVersion, controller }) =>
        defined({ kind, name, uid, apiVersion, controller }),
      ),
    }),
    spec: defined({
      volumes: pod.spec?.volumes?.map(({ name, emptyDir }) =>
        defined({ name, emptyDir: emptyDir && defined({ medium: emptyDir.medium }) }),
      ),
      nodeName: pod.spec?.nodeName,
    }),
    status: defined({
      phase: pod.status?.phase,
      conditions: pod.status?.conditions?.map(({ type, status }) => ({ type, status })),
    }),
  } as V1Pod;
}

describe('pods read from protobuf', () => {
  test('hold what their JSON holds, in every field the drain reads, for every pod', async () => {
    const namespace = await testNamespace('t-protobuf');
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    const [node] = (await core.listNode()).items;
    const pod = (name: string, extra: Partial<V1Pod['spec']> = {}) =>
      core.createNamespacedPod({
        namespace,
        body: {
          metadata: {
            name,
            labels: { app: name, 'drill.dev/empty': '' },
            annotations: { 'drill.dev/note': 'kept', 'drill.dev/empty': '' },
            finalizers: [HOLD],
            ownerReferences: [
              { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata?.uid ?? '', controller: true },
            ],
          },
          spec: {
            nodeName: node?.metadata?.name,
            automountServiceAccountToken: false,
            containers: [{ name: 'app', image: 'registry.test.example/protobuf:1' }],
            ...extra,
          },
        },
      });
    await pod('scratch', {
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'memory', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
        { name: 'config', configMap: { name: 'owner' } },
      ],
    });
    await pod('leaving');
    await core.deleteNamespacedPod({ namespace, name: 'leaving', gracePeriodSeconds: 30 });
    after(async () => {
      for (const name of ['scratch', 'leaving']) {
        await core
          .patchNamespacedPod({ namespace, name, body: [{ op: 'remove', path: '/metadata/finalizers' }] })
          .catch(() => undefined);
      }
    });
    await waitFor('the pods running, one of them being deleted', async () => {
      const pods = (await core.listNamespacedPod({ namespace })).items;
      return pods.every((p) => p.status?.phase === 'Running') && pods.some((p) => p.metadata?.deletionTimestamp);
    });

    const streamed = await PodListReader.create(() => true);
    const [asJson, asProtobuf] = await Promise.all([
      listPage<V1Pod>(admin, '/api/v1/pods', {}),
      listPage<V1Pod>(admin, '/api/v1/pods', {}, { accept: `${PROTOBUF}, application/json` }),
      apiRequest(admin, 'GET', '/api/v1/pods', { accept: PROTOBUF, bodyReader: streamed }),
    ]);
    assert.ok(streamed.took);
    const byUid = (pods: V1Pod[]) =>
      [...pods].sort((a, b) => String(a.metadata?.uid).localeCompare(String(b.metadata?.uid)));
    assert.deepEqual(byUid(streamed.end()), byUid(asProtobuf.items), 'the list read as it arrived');
    const fromProtobuf = new Map(asProtobuf.items.map((p) => [p.metadata?.uid, p]));
    assert.ok(asJson.items.length > 20, `the cluster has ${asJson.items.length} pods`);
    for (const json of asJson.items) {
      const uid = json.metadata?.uid;
      assert.deepEqual(
        fromProtobuf.get(uid),
        fieldsRead(json),
        `pod ${json.metadata?.namespace}/${json.metadata?.name}`,
      );
      fromProtobuf.delete(uid);
    }
    assert.deepEqual([...fromProtobuf.keys()], [], 'pods only the protobuf list had');

    const ours = asProtobuf.items.filter((p) => p.metadata?.namespace === namespace);
    assert.deepEqual(ours.map((p) => p.metadata?.name).sort(), ['leaving', 'scratch']);
    assert.match(
      String(ours.find((p) => p.metadata?.name === 'leaving')?.metadata?.deletionTimestamp),
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    assert.deepEqual(
      ours.find((p) => p.metadata?.name === 'scratch')?.spec?.volumes?.map((v) => [v.name, v.emptyDir]),
      [
        ['scratch', {}],
        ['memory', { medium: 'Memory' }],
        ['config', undefined],
      ],
    );
  });

  test('a failure reads as the same Status as in JSON', async () => {
    const query = { fieldSelector: 'spec.nodeName~x' };
    const failure = (accept?: string) =>
      apiRequest(admin, 'GET', '/api/v1/pods', { query, accept }).then(
        () => assert.fail('the list was accepted'),
        (error: unknown) => error as { code: number; body: Record<string, unknown> },
      );
    const [json, protobuf] = await Promise.all([failure(), failure(`${PROTOBUF}, application/json`)]);
    assert.equal(protobuf.code, 400);
    for (const field of ['status', 'message', 'reason', 'code'])
      assert.deepEqual(protobuf.body[field], json.body[field], field);
    assert.equal(describeError(protobuf), describeError(json));
  });
});
