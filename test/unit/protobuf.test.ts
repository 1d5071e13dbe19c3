// What src/kube/protobuf.ts makes of bodies built here, chunked any way, and of bodies it cannot
// read. What it makes of real ones is tested against the API server (test/sandbox/protobuf.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBody, failureBody } from '../../src/kube/body.ts';
import { decodeProtobuf, PodListReader, PROTOBUF } from '../../src/kube/protobuf.ts';

/** A length-delimited field: tag, length, bytes (all short enough for one-byte varints). */
const field = (id: number, bytes: Uint8Array) => Buffer.concat([Buffer.from([(id << 3) | 2, bytes.length]), bytes]);
/** Kubernetes' envelope around an object of `kind` whose own bytes are `raw`. */
const envelope = (kind: string, raw: Uint8Array) =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), field(1, field(2, Buffer.from(kind))), field(2, raw)]);

test('a list of pods with a deleted pod reads as JSON would give it', async () => {
  // Pod{metadata{name:"a", deletionTimestamp{seconds:1700000000}}, spec{volumes[{name:"v", emptyDir{}}], nodeName:"n"}}
  const seconds = Buffer.from([0x08, 0x80, 0xe2, 0xcf, 0xaa, 0x06]);
  const pod = Buffer.concat([
    field(1, Buffer.concat([field(1, Buffer.from('a')), field(9, seconds)])),
    field(
      2,
      Buffer.concat([
        field(1, Buffer.concat([field(1, Buffer.from('v')), field(2, field(2, Buffer.alloc(0)))])),
        field(10, Buffer.from('n')),
      ]),
    ),
  ]);
  const list = Buffer.concat([field(1, field(3, Buffer.from('next'))), field(2, pod)]);
  assert.deepEqual(await decodeProtobuf(envelope('PodList', list)), {
    kind: 'PodList',
    metadata: { continue: 'next' },
    items: [
      {
        metadata: { name: 'a', deletionTimestamp: '2023-11-14T22:13:20Z' },
        spec: { volumes: [{ name: 'v', emptyDir: {} }], nodeName: 'n' },
      },
    ],
  });
});

test('a body that is not Kubernetes protobuf, or of a kind it does not read, is an error', async () => {
  await assert.rejects(decodeProtobuf(Buffer.from('{"kind":"PodList"}')), /not a Kubernetes protobuf body/);
  await assert.rejects(decodeProtobuf(envelope('ConfigMap', Buffer.alloc(0))), /cannot read a protobuf ConfigMap/);
  await assert.rejects(decodeBody(PROTOBUF, Buffer.from('<html>')), /not a Kubernetes protobuf body/);
});

test('bodies are read by their Content-Type; a failure that cannot be read keeps its text', async () => {
  assert.deepEqual(await decodeBody('application/json; charset=utf-8', Buffer.from('{"a":1}')), { a: 1 });
  assert.equal(await decodeBody('application/json', Buffer.from('<html>')), undefined);
  assert.deepEqual(await decodeBody(`${PROTOBUF};stream=watch`, envelope('Status', field(3, Buffer.from('gone')))), {
    kind: 'Status',
    message: 'gone',
  });
  assert.equal(await failureBody(PROTOBUF, Buffer.from('bad gateway')), 'bad gateway');
  assert.equal(await failureBody('text/plain', Buffer.from('bad gateway')), 'bad gateway');
});

test('a list of pods read as it arrives, in chunks of any size, keeps what a whole read gives', async () => {
  const pod = (name: string, node: string) =>
    field(2, Buffer.concat([field(1, field(1, Buffer.from(name))), field(2, field(10, Buffer.from(node)))]));
  const list = Buffer.concat([
    field(1, field(3, Buffer.from('ignored'))),
    pod('a', 'n1'),
    pod('b', 'n2'),
    pod('c', 'n1'),
  ]);
  const body = Buffer.concat([envelope('PodList', list), field(4, Buffer.from(PROTOBUF))]);
  const onN1 = (p: { spec?: { nodeName?: string } }) => p.spec?.nodeName === 'n1';
  const whole = ((await decodeProtobuf(body)) as { items: { spec?: { nodeName?: string } }[] }).items.filter(onN1);
  assert.equal(whole.length, 2);
  const reader = await PodListReader.create(onN1);
  for (let size = 1; size <= body.length; size++) {
    assert.equal(reader.start(`${PROTOBUF}; charset=x`), true);
    for (let at = 0; at < body.length; at += size) reader.push(body.subarray(at, at + size));
    assert.deepEqual(reader.end(), whole, `chunks of ${size}`);
  }
});

test('a list of pods that ends early, or is not protobuf, is an error; JSON is not taken', async () => {
  const reader = await PodListReader.create(() => true);
  reader.start(PROTOBUF);
  reader.push(envelope('PodList', field(2, field(1, field(1, Buffer.from('a'))))).subarray(0, 20));
  assert.throws(() => reader.end(), /the list of pods ended early/);
  reader.start(PROTOBUF);
  reader.push(Buffer.from('{"kind":"PodList","items":[]}'));
  assert.throws(() => reader.end(), /not a Kubernetes protobuf body/);
  assert.equal(reader.start('application/json'), false);
  assert.equal(reader.took, false);
});
