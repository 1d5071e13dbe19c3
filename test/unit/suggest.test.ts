import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closest, didYouMean, editDistance } from '../../src/runbook/suggest.ts';

describe('suggestions', () => {
  it('counts a transposition as one edit', () => {
    assert.equal(editDistance('drian', 'drain'), 1);
    assert.equal(editDistance('timeout', 'tiemout'), 1);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('suggests close names only', () => {
    const actions = ['nodes.drain', 'nodes.cordon', 'scale', 'sleep'];
    assert.equal(closest('nodes.drian', actions), 'nodes.drain');
    assert.equal(closest('drain', actions), 'nodes.drain');
    assert.equal(closest('Scale', actions), 'scale');
    assert.equal(closest('restart', actions), undefined);
    assert.equal(didYouMean('sleeep', actions), '; did you mean "sleep"?');
    assert.equal(didYouMean('xyz', actions), '');
  });
});
