// traffic.restore: puts back what traffic.drain changed, from the drain's record (its `restore`
// output) or, when there is none (a drain step that failed after changing things records nothing),
// from the drain's own inputs, as far as the strategy can tell from them what to put back.
import Type from 'typebox';
import { defineAction } from '../action.ts';
import { strategyInputs, strategyRequirements } from './inputs.ts';
import { parseRecord, strategyNamed, strategyOf } from './strategies/registry.ts';

const restoreInput = Type.Object(
  {
    restore: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'What traffic.drain changed: its `restore` output, as `${{ steps.<id>.outputs.restore }}`.',
      }),
    ),
    ...strategyInputs,
    strategy: Type.Optional(strategyInputs.strategy),
  },
  {
    additionalProperties: false,
    // Either the drain's record, or the drain's own inputs.
    oneOf: [{ required: ['restore'] }, { required: ['strategy'] }],
    allOf: strategyRequirements,
    examples: [{ strategy: 'gateway', region: 'eu-west', namespace: 'shop', routes: ['storefront'] }],
  },
);

export default defineAction({
  name: 'traffic.restore',
  summary: "Put back exactly what traffic.drain changed, from its recorded `restore` output or the drain's inputs.",
  mutating: true,
  input: restoreInput,
  outputs: { restored: 'What was put back, one line each.' },
  plan: (input) =>
    Promise.resolve({
      summary: input.restore
        ? `restore what traffic.drain recorded (${String(input.restore.strategy)})`
        : `undo: ${strategyNamed(input.strategy)?.describe(input)}`,
    }),
  permissions: (input, namespace) =>
    strategyNamed(input.strategy ?? input.restore?.strategy)?.permissions(input, input.namespace ?? namespace) ?? [],
  execute: async (input, context) => {
    const cluster = await context.cluster();
    let restored: string[];
    if (input.restore) {
      const { strategy, record } = parseRecord(input.restore);
      restored = await strategy.restore(cluster, record, context);
    } else {
      if (!input.strategy) throw new Error("traffic.restore needs the drain's record (restore) or its strategy");
      restored = await strategyOf(input.strategy).restoreFromInputs(cluster, input, context);
    }
    for (const line of restored) context.progress(line);
    return { outputs: { restored } };
  },
});
