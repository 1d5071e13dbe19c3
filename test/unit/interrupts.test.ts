// Ctrl-C, SIGTERM, SIGHUP: the first stops the step (the run then rolls back), a second is
// answered, a third exits at once after the journal has noted it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Interrupts } from '../../src/engine/interrupts.ts';

test('the first interruption stops the step, the second is answered, the third exits, journaled first', () => {
  const interrupts = new Interrupts();
  const noted: string[] = [];
  interrupts.beforeExit = () => noted.push('journaled');
  assert.equal(interrupts.signal.aborted, false);
  assert.equal(interrupts.receive('SIGTERM'), 'stop-step');
  assert.equal(interrupts.signal.aborted, true);
  assert.equal(interrupts.signal.reason, 'SIGTERM', 'the run knows which signal it was');
  assert.equal(interrupts.receive('SIGINT'), 'warn');
  assert.deepEqual(noted, []);
  assert.equal(interrupts.receive('SIGINT'), 'exit');
  assert.deepEqual(noted, ['journaled']);
});
