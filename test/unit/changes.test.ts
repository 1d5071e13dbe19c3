// The pure parts of compensation: diffs into field changes, the JSON Patches that make and undo
// them (testing the value they expect first), and reading a journal back after a crash.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { priorRunOf, readJournal } from '../../src/engine/run-folder.ts';
import { summarizeChange } from '../../src/kube/change-text.ts';
import { diffFields, fieldChanges, patchOperations, valueAtPointer } from '../../src/kube/changes.ts';

describe('field changes', () => {
  const deployment = {
    metadata: { name: 'web', annotations: { 'drill.dev/x': 'a' }, resourceVersion: '5', generation: 2 },
    spec: { replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'web:1' }] } } },
    status: { readyReplicas: 3 },
  };

  test('a diff is the changed leaves, ignoring what the server keeps for itself', () => {
    const after = structuredClone(deployment);
    after.spec.replicas = 0;
    after.spec.template.spec.containers = [{ name: 'app', image: 'web:2' }];
    after.metadata.resourceVersion = '6';
    after.metadata.generation = 3;
    after.status.readyReplicas = 0;
    delete (after.metadata.annotations as Record<string, string>)['drill.dev/x'];
    assert.deepEqual(diffFields(deployment, after), [
      { path: '/metadata/annotations/drill.dev~1x', before: 'a', after: null },
      { path: '/spec/replicas', before: 3, after: 0 },
      { path: '/spec/template/spec/containers/0/image', before: 'web:1', after: 'web:2' },
    ]);
  });

  test('a list that changes length is one change of the whole list', () => {
    const after = structuredClone(deployment);
    after.spec.template.spec.containers.push({ name: 'sidecar', image: 's:1' });
    const [change] = diffFields(deployment, after);
    assert.equal(change?.path, '/spec/template/spec/containers');
    assert.equal((change?.after as unknown[]).length, 2);
  });

  test('fields already at their value are not changes; absent reads as null', () => {
    assert.deepEqual(
      fieldChanges({ spec: {} }, [
        { path: '/spec/unschedulable', value: true },
        { path: '/spec/other', value: null },
      ]),
      [{ path: '/spec/unschedulable', before: null, after: true }],
    );
    assert.equal(valueAtPointer({ a: { 'b/c': 1 } }, '/a/b~1c'), 1);
    assert.equal(valueAtPointer({ a: 1 }, '/a/b/c'), null);
  });

  test('patches test the value they expect, add missing parents, and remove what was absent', () => {
    const live = { metadata: { name: 'n' }, spec: { unschedulable: true } };
    assert.deepEqual(
      patchOperations(live, [
        { path: '/spec/unschedulable', from: true, to: null },
        { path: '/metadata/annotations/drill.dev~1r', from: null, to: 'x' },
        { path: '/metadata/name', from: 'n', to: 'm' },
      ]),
      [
        { op: 'test', path: '/spec/unschedulable', value: true },
        { op: 'remove', path: '/spec/unschedulable' },
        { op: 'add', path: '/metadata/annotations', value: { 'drill.dev/r': 'x' } },
        { op: 'test', path: '/metadata/name', value: 'n' },
        { op: 'replace', path: '/metadata/name', value: 'm' },
      ],
    );
  });

  test('a change reads as one line', () => {
    assert.equal(
      summarizeChange({
        type: 'fields',
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', subresource: 'scale' },
        fields: [{ path: '/spec/replicas', before: 3, after: 0 }],
      }),
      'Deployment shop/web/scale: /spec/replicas 3 -> 0',
    );
    assert.equal(
      summarizeChange({ type: 'irreversible', what: 'evict 2 pods', objects: [] }),
      'cannot be undone: evict 2 pods',
    );
  });
});

describe('reading a journal back', () => {
  const started = {
    type: 'run.started',
    at: '2026-11-28T10:00:00.000Z',
    t: 0,
    runId: 'r',
    runbook: 'r',
    file: 'r.yaml',
    runbookSha256: 'x',
    context: 'c',
    params: {},
    steps: [],
    rollback: [],
  };
  const recorded = (id: number, phase = 'steps') => ({
    type: 'undo.recorded',
    at: started.at,
    t: id,
    id,
    step: `s${id}`,
    phase,
    change: { type: 'irreversible', what: `thing ${id}`, objects: [] },
  });
  const write = (lines: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-journal-'));
    writeFileSync(join(dir, 'journal.jsonl'), lines);
    return dir;
  };

  test('a last line cut short by a kill is left out and said', () => {
    const dir = write(`${JSON.stringify(started)}\n${JSON.stringify(recorded(1))}\n{"type":"undo.rec`);
    const { events, truncated } = readJournal(dir);
    assert.equal(truncated, true);
    assert.equal(events.length, 2);
  });

  test('a bad line before the last is a damaged journal, named by line', () => {
    const dir = write(`${JSON.stringify(started)}\nnot json\n${JSON.stringify(recorded(1))}\n`);
    assert.throws(() => readJournal(dir), /journal\.jsonl:2: not a journal event/);
  });

  test("the changes still to undo: the steps' records, less those settled; ids go on", () => {
    const settled = {
      type: 'undo.finished',
      at: started.at,
      t: 9,
      id: 1,
      step: 's1',
      result: 'restored',
      lines: [],
      durationMs: 1,
    };
    const failed = { ...settled, id: 2, result: 'failed' };
    const dir = write(
      [started, recorded(1), recorded(2), recorded(3, 'rollback'), settled, failed]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    const { prior } = priorRunOf(readJournal(dir).events);
    assert.deepEqual(
      prior.changes.map((c) => c.id),
      [1, 2],
    );
    assert.deepEqual(prior.settled, [1]);
    assert.equal(prior.nextId, 4);
  });
});

describe('values the API server cannot tell apart', () => {
  test('an absent field is its zero value (omitempty), and nothing else', async () => {
    const { sameValue } = await import('../../src/kube/changes.ts');
    for (const zero of [0, false, '', [], {}]) assert.ok(sameValue(null, zero), JSON.stringify(zero));
    assert.ok(!sameValue(null, 1));
    assert.ok(!sameValue(0, 1));
    assert.ok(sameValue({ a: 1 }, { a: 1 }));
    assert.ok(!sameValue('0', 0));
  });
});
