import Type from 'typebox';
import { defineAction } from '../action.ts';

/** Asked when the step names no question of its own. */
const DEFAULT_QUESTION = 'Is it done?';

export default defineAction({
  name: 'manual',
  summary: 'Show instructions to the operator and wait for confirmation; the answer is journaled.',
  mutating: false,
  input: Type.Object(
    {
      instructions: Type.String({
        minLength: 1,
        description: 'What the operator must do, shown as written.',
      }),
      confirm: Type.Optional(
        Type.String({
          minLength: 1,
          description: 'Question to confirm completion, like "Is the weight 0?".',
        }),
      ),
      answers: Type.Optional(
        Type.Array(Type.String({ minLength: 1, description: 'One possible answer.' }), {
          minItems: 1,
          uniqueItems: true,
          description: 'Answers the operator picks from, recorded in the journal; default yes/no.',
        }),
      ),
    },
    {
      additionalProperties: false,
      examples: [
        {
          instructions: 'Open the load balancer console and set the region weight to 0.',
          confirm: 'Is the weight 0?',
        },
      ],
    },
  ),
  outputs: { answer: "The operator's answer." },
  plan: (input) =>
    Promise.resolve({
      summary: `ask the operator: ${input.confirm ?? DEFAULT_QUESTION}`,
      details: [input.instructions],
      // ExecuteContext.confirm asks yes or no; there is no way yet to offer other answers.
      ...(input.answers && { warnings: ['answers are not offered yet: the operator is asked yes or no'] }),
    }),
  execute: async (input, context) => {
    const question = input.confirm ?? DEFAULT_QUESTION;
    const { signal } = context;
    signal.throwIfAborted();
    let onAbort = (): void => undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      // Nobody may be there to answer: the step's timeout or an interrupt ends the wait.
      const confirmed = await Promise.race([context.confirm(input.instructions, question), aborted]);
      if (!confirmed) throw new Error(`the operator answered no to "${question}"`);
      return { outputs: { answer: 'yes' } };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  },
});
