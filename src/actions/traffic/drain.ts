// traffic.drain: moves a region's traffic away by the strategy its inputs name, and measures how long
// the traffic takes to go. What is the same for every strategy lives here: the measure's baseline
// before the drain, sampling while the drain is applied, and the outputs.
import Type, { type Static } from 'typebox';
import type { Change } from '../../kube/changes.ts';
import { type DrainMeasurement, DrainNotReached, measureDrain } from '../../kube/traffic/measure.ts';
import { durationMs } from '../../runbook/duration.ts';
import { defaultOf, Duration } from '../../runbook/inputs.ts';
import { defineAction } from '../action.ts';
import { measureInput, strategyInputs, strategyRequirements } from './inputs.ts';
import { measureOf } from './measures/registry.ts';
import { strategyOf } from './strategies/registry.ts';
import type { TrafficRecord } from './strategies/strategy.ts';

const drainInput = Type.Object(
  {
    ...strategyInputs,
    measure: Type.Optional(measureInput),
    threshold: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.99,
        description:
          "The share of the region's traffic that must be gone: 0.99 is 99%. Time-to-drain is measured to it.",
      }),
    ),
    hold: Type.Optional(
      Duration({
        allowZero: true,
        default: '3s',
        description: 'How long the share must stay at or below 1 - threshold before the region counts as drained.',
      }),
    ),
    timeout: Type.Optional(
      Duration({
        description: "Fail if the threshold is not reached this long after the drain; defaults to the step's timeout.",
      }),
    ),
  },
  {
    additionalProperties: false,
    allOf: strategyRequirements,
    examples: [
      {
        strategy: 'gateway',
        region: 'eu-west',
        namespace: 'shop',
        routes: ['storefront'],
        measure: { source: 'prometheus', query: 'sum(rate(http_requests_total{region="eu-west"}[1m]))' },
      },
    ],
  },
);

export default defineAction({
  name: 'traffic.drain',
  summary:
    "Move a region's traffic away (route weights, Service endpoints, nodes or any patch) and measure time-to-drain.",
  mutating: true,
  input: drainInput,
  outputs: {
    restore: 'What the drain changed, for traffic.restore: `restore: ${{ steps.<id>.outputs.restore }}`.',
    changed: 'What the drain changed, one line each.',
    timeToDrain: "{ threshold, ms, source }: ms from the drain until the threshold's share of traffic was gone.",
    thresholds:
      'Ms from the drain until 50%, 90%, 99% and 100% of the traffic was gone, by threshold; null if not reached.',
    curve: 'The measured remaining share over time, as [msSinceDrain, share] points.',
  },
  plan: async (input, context) => {
    const cluster = await context.cluster();
    const strategy = strategyOf(input.strategy);
    const measured = input.measure ? `, measured by ${input.measure.source} to ${thresholdOf(input) * 100}%` : '';
    const summary = `drain ${input.region ?? 'the region'}: ${strategy.describe(input)}${measured}`;
    if (!strategy.plan) return { summary };
    return { summary, details: await strategy.plan(cluster, input) };
  },
  permissions: (input, namespace) => strategyOf(input.strategy).permissions(input, input.namespace ?? namespace),
  execute: async (input, context) => {
    const cluster = await context.cluster();
    const strategy = strategyOf(input.strategy);
    const measure = input.measure ? measureOf(cluster, input, input.measure) : undefined;
    // The baseline is taken before anything changes: the share is relative to it.
    const sampler = await measure?.start(context.signal, (message, data) => context.progress(message, data));
    const startedAt = performance.now();
    // Time-to-drain counts from the first change the strategy sends (each is recorded just before).
    let changedAt: number | undefined;
    const writes = {
      ...context,
      record: (change: Change) => {
        changedAt ??= performance.now();
        context.record(change);
      },
    };
    // The measure samples while the drain is applied: a node drain moves traffic as it goes.
    const measuring = new AbortController();
    const measurement = sampler
      ? measureDrain(sampler, startedAt, {
          threshold: thresholdOf(input),
          holdMs: durationMs(input.hold ?? defaultOf(drainInput.properties.hold)),
          timeoutMs: input.timeout === undefined ? undefined : durationMs(input.timeout),
          signal: AbortSignal.any([context.signal, measuring.signal]),
          changedAt: () => changedAt,
          progress: (message, data) => {
            context.progress(message, data);
          },
        })
      : undefined;
    // Settled now so a failed drain does not leave the measurement's rejection unhandled.
    const measured = measurement?.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    let restore: TrafficRecord;
    try {
      restore = await strategy.drain(cluster, input, writes);
    } catch (error) {
      measuring.abort();
      await measured;
      throw error;
    }
    const changed = strategy.changed(restore);
    context.progress(`drained ${input.region ?? ''}: ${changed.join('; ')}`, { restore });
    const outcome = await measured;
    if (!outcome) return { outputs: { restore, changed } };
    if ('error' in outcome) {
      if (!(outcome.error instanceof DrainNotReached)) throw outcome.error;
      throw new DrainNotReached(
        `${outcome.error.message}; the drain stays applied (${changed.join('; ')}), traffic.restore undoes it`,
      );
    }
    return {
      outputs: { restore, changed, ...measurementOutputs(outcome.value) },
      measuredMs: outcome.value.timeToDrain.ms,
    };
  },
});

function measurementOutputs(measurement: DrainMeasurement): Record<string, unknown> {
  return { timeToDrain: measurement.timeToDrain, thresholds: measurement.thresholds, curve: measurement.curve };
}

function thresholdOf(input: Pick<Static<typeof drainInput>, 'threshold'>): number {
  return input.threshold ?? defaultOf(drainInput.properties.threshold);
}
