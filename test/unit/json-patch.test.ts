// What is ours around rfc6902: pointers built from keys, and a failed operation read as one line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyJsonPatch, formatPointer } from '../../src/kube/traffic/json-patch.ts';

describe('JSON patch helpers', () => {
  it('escape each key of a pointer', () => {
    assert.equal(formatPointer(['metadata', 'labels', 'drill.dev/x~y']), '/metadata/labels/drill.dev~1x~0y');
  });

  it('name what failed and where', () => {
    assert.throws(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '/b' }]), /\/b/);
    assert.throws(
      () => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]),
      /^Error: test failed at \/a$/,
    );
  });

  it('leave the document given untouched', () => {
    const document = { a: { b: 1 } };
    assert.deepEqual(applyJsonPatch(document, [{ op: 'replace', path: '/a/b', value: 2 }]), { a: { b: 2 } });
    assert.deepEqual(document, { a: { b: 1 } });
  });
});
