// Reading manifests for k8s.apply, offline: documents, Lists, kubectl's YAML 1.1, and errors that
// never quote what may be Secret data.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { guessResource, parseManifests, parseYaml } from '../../src/kube/objects.ts';

describe('parseManifests', () => {
  test('every document, skipping empty ones and flattening Lists', () => {
    const manifests = parseManifests(`
---
apiVersion: v1
kind: ConfigMap
metadata: { name: a }
---
# nothing here
---
apiVersion: v1
kind: List
items:
  - { apiVersion: v1, kind: ConfigMap, metadata: { name: b, namespace: other } }
  - { apiVersion: v1, kind: Secret, metadata: { name: c } }
`);
    assert.deepEqual(
      manifests.map((m) => [m.kind, m.metadata.name, m.metadata.namespace]),
      [
        ['ConfigMap', 'a', undefined],
        ['ConfigMap', 'b', 'other'],
        ['Secret', 'c', undefined],
      ],
    );
  });

  test('reads YAML as kubectl does: 0644 is octal', () => {
    const [manifest] = parseManifests('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {mode: 0644}\n');
    assert.deepEqual(manifest?.spec, { mode: 0o644 });
  });

  test('what is missing, and in which document', () => {
    assert.throws(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n'), /document 1: metadata.name/);
    assert.throws(() => parseManifests('kind: ConfigMap\n---\n'), /document 1: apiVersion is missing/);
    assert.throws(() => parseManifests('---\n- a\n- b\n'), /document 1: expected a mapping/);
    assert.throws(
      () => parseManifests('apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Pod}]\n'),
      /document 1, item 1: metadata.name/,
    );
    assert.throws(() => parseManifests('# only a comment\n'), /holds no objects/);
  });

  test('a syntax error says where, but does not quote the text', () => {
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: "hunter2\n';
    assert.throws(
      () => parseManifests(secret),
      (error: Error) =>
        /^document 1: .*line \d+, column \d+$/.test(error.message) && !error.message.includes('hunter2'),
    );
    assert.throws(
      () => parseYaml('password: "hunter2', 'the patch'),
      (error: Error) => error.message.startsWith('the patch: ') && !error.message.includes('hunter2'),
    );
  });
});

test('guessResource pluralises kinds the way the API names resources', () => {
  for (const [kind, resource] of [
    ['Deployment', 'deployments'],
    ['Ingress', 'ingresses'],
    ['NetworkPolicy', 'networkpolicies'],
    ['Gateway', 'gateways'],
    ['Endpoints', 'endpoints'],
    ['StorageClass', 'storageclasses'],
  ]) {
    assert.equal(guessResource(kind as string), resource);
  }
});
