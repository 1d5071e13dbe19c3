import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import scale from '../../src/actions/workloads/scale.ts';
import { resolveStepInput } from '../../src/runbook/resolve.ts';

describe('resolveStepInput', () => {
  const context = { params: { replicas: '3', ns: 'shop', wait: 'false' }, outputs: { a: { count: 'many' } } };

  it('resolves templates, gives inputs their types and fills in defaults', () => {
    const input = resolveStepInput(
      scale,
      { kind: 'Deployment', name: 'web', namespace: '${{ params.ns }}', replicas: '${{ params.replicas }}' },
      context,
    );
    assert.deepEqual(input, { kind: 'Deployment', name: 'web', namespace: 'shop', replicas: 3, wait: true });
  });

  it('names the input a resolved value does not fit', () => {
    assert.throws(
      () =>
        resolveStepInput(scale, { kind: 'Deployment', name: 'web', replicas: '${{ steps.a.outputs.count }}' }, context),
      { message: 'inputs of scale: "replicas" must be an integer, got "many"' },
    );
  });
});
