import { setTimeout as delay } from 'node:timers/promises';
import Type from 'typebox';
import { durationMs } from '../../runbook/duration.ts';
import { Duration } from '../../runbook/inputs.ts';
import { defineAction } from '../action.ts';

export default defineAction({
  name: 'sleep',
  summary: 'Wait for a fixed time, for example to let caches expire.',
  mutating: false,
  input: Type.Object(
    { duration: Duration({ description: 'How long to wait.' }) },
    {
      additionalProperties: false,
      examples: [{ duration: '30s' }],
    },
  ),
  outputs: {},
  plan: (input) => Promise.resolve({ summary: `wait ${input.duration}` }),
  execute: async (input, context) => {
    context.progress(`sleeping for ${input.duration}`);
    // The timer rejects only when aborted; the abort's own reason says why.
    await delay(durationMs(input.duration), undefined, { signal: context.signal }).catch(() => {
      context.signal.throwIfAborted();
    });
    return { outputs: {} };
  },
});
