import Type from 'typebox';
import type { Cluster } from '../../kube/cluster.ts';
import { endpointsMeasure } from '../../kube/traffic/endpoints.ts';
import { drainGateway, planGatewayDrain } from '../../kube/traffic/gateway.ts';
import { httpMeasure } from '../../kube/traffic/http.ts';
import { type DrainMeasurement, DrainNotReached, measureDrain, type ShareMeasure } from '../../kube/traffic/measure.ts';
import { drainRegionNodes } from '../../kube/traffic/nodes.ts';
import { drainByPatch } from '../../kube/traffic/patch.ts';
import { prometheusMeasure } from '../../kube/traffic/prometheus.ts';
import type { TrafficRestore } from '../../kube/traffic/restore.ts';
import { drainByLabel, drainByScale } from '../../kube/traffic/service.ts';
import { durationMs } from '../../runbook/duration.ts';
import { Duration } from '../../runbook/inputs.ts';
import { defineAction, type ExecuteContext } from '../action.ts';
import { type DrainInput, describeStrategy, gatewayOptions, namespaceOf, strategyPermissions } from './strategy.ts';
import { type MeasureInput, measureInput, strategyInputs, strategyRequirements } from './inputs.ts';

const DEFAULT_PROMETHEUS_URL = 'http://127.0.0.1:9090';
const DEFAULT_INTERVAL_MS = { prometheus: 250, endpoints: 100, http: 50 } as const;

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
  { additionalProperties: false, allOf: strategyRequirements },
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
    const summary = `drain ${input.region ?? 'the region'}: ${describeStrategy(input)}`;
    const measured = input.measure
      ? `, measured by ${input.measure.source} to ${(input.threshold ?? 0.99) * 100}%`
      : '';
    if (input.strategy !== 'gateway') return { summary: `${summary}${measured}` };
    const plan = await planGatewayDrain(cluster, gatewayOptions(input, cluster));
    return {
      summary: `${summary}${measured}`,
      details: plan.routes.map(
        ({ route, weights }) =>
          `${route.kind} ${route.namespace}/${route.name}: ${weights.map((w) => `${w.backend} ${w.weight ?? 'unset'} -> 0`).join(', ')}`,
      ),
    };
  },
  permissions: (input, namespace) => strategyPermissions(input, input.namespace ?? namespace),
  execute: async (input, context) => {
    const cluster = await context.cluster();
    const measure = input.measure ? measureOf(cluster, input, input.measure) : undefined;
    // The baseline is taken before anything changes: the share is relative to it.
    const sampler = await measure?.start(context.signal, (message, data) => context.progress(message, data));
    const startedAt = performance.now();
    // The measure samples while the drain is applied: a node drain moves traffic as it goes.
    const measuring = new AbortController();
    const measurement = sampler
      ? measureDrain(sampler, startedAt, {
          threshold: input.threshold ?? 0.99,
          holdMs: durationMs(input.hold ?? '3s'),
          timeoutMs: input.timeout === undefined ? undefined : durationMs(input.timeout),
          signal: AbortSignal.any([context.signal, measuring.signal]),
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
    let restore: TrafficRestore;
    try {
      restore = await applyDrain(cluster, input, context);
    } catch (error) {
      measuring.abort();
      await measured;
      throw error;
    }
    const changed = describeRestore(restore);
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

function applyDrain(cluster: Cluster, input: DrainInput, context: ExecuteContext): Promise<TrafficRestore> {
  const namespace = namespaceOf(input, cluster);
  const region = input.region ?? '';
  const regionLabel = input.regionLabel ?? 'topology.kubernetes.io/region';
  switch (input.strategy) {
    case 'gateway':
      return drainGateway(cluster, gatewayOptions(input, cluster), context.signal);
    case 'service':
      if ((input.method ?? 'scale') === 'scale') {
        return drainByScale(
          cluster,
          { namespace, workloads: input.workloads, workloadSelector: input.workloadSelector },
          context.signal,
        );
      }
      if (!input.service || !input.label)
        throw new Error('the service strategy with method label needs service and label');
      return drainByLabel(
        cluster,
        {
          namespace,
          service: input.service,
          label: input.label,
          drainedValue: input.drainedValue,
          region,
          regionLabel,
        },
        context.signal,
      );
    case 'nodes':
      return drainRegionNodes(cluster, {
        selector: input.selector ?? `${regionLabel}=${region}`,
        allowAll: input.allowAll ?? false,
        podSelector: input.podSelector,
        gracePeriodSeconds:
          input.gracePeriod === undefined ? undefined : Math.round(durationMs(input.gracePeriod) / 1000),
        parallelism: input.parallelism ?? 4,
        force: input.force ?? false,
        deleteEmptyDirData: input.deleteEmptyDirData ?? false,
        signal: context.signal,
        progress: (message, data) => {
          context.progress(message, data);
        },
      });
    case 'patch':
      if (!input.target || input.patch === undefined) throw new Error('the patch strategy needs target and patch');
      return drainByPatch(
        cluster,
        {
          target: input.target,
          namespace,
          type: input.type ?? 'merge',
          patch: input.patch,
          reversePatch: input.reversePatch,
        },
        context.signal,
      );
  }
}

function measureOf(cluster: Cluster, input: DrainInput, measure: MeasureInput): ShareMeasure {
  const intervalMs =
    measure.interval === undefined ? DEFAULT_INTERVAL_MS[measure.source] : durationMs(measure.interval);
  const region = input.region ?? '';
  switch (measure.source) {
    case 'prometheus':
      return prometheusMeasure({
        url: measure.url ?? DEFAULT_PROMETHEUS_URL,
        query: measure.query ?? '',
        totalQuery: measure.totalQuery,
        intervalMs,
      });
    case 'endpoints': {
      const service = measure.service ?? (measure.selector === undefined ? input.service : undefined);
      if (service === undefined && measure.selector === undefined) {
        throw new Error('the endpoints measure needs a service or a selector');
      }
      return endpointsMeasure(cluster, {
        namespace: namespaceOf(input, cluster),
        service,
        selector: measure.selector,
        region,
        regionLabel: input.regionLabel ?? 'topology.kubernetes.io/region',
        intervalMs,
      });
    }
    case 'http':
      return httpMeasure({
        url: measure.url ?? '',
        header: measure.header ?? 'x-region',
        region,
        windowMs: durationMs(measure.window ?? '2s'),
        intervalMs,
      });
  }
}

function describeRestore(restore: TrafficRestore): string[] {
  switch (restore.strategy) {
    case 'gateway':
      return restore.routes.map(
        (r) =>
          `${r.kind} ${r.namespace}/${r.name}: ${r.weights.map((w) => `${w.backend} ${w.weight ?? 'unset'} -> 0`).join(', ')}`,
      );
    case 'service':
      return restore.method === 'scale'
        ? restore.workloads.map((w) => `${w.kind} ${w.namespace}/${w.name}: ${w.replicas} -> 0 replicas`)
        : restore.pods.map((p) => `pod ${p.namespace}/${p.name}: label ${restore.label} changed`);
    case 'nodes':
      return [`cordoned ${restore.cordoned.join(', ') || 'no node'}; evicted ${restore.evictedPods.length} pods`];
    case 'patch':
      return [
        `patched ${restore.target.kind} ${restore.target.namespace ? `${restore.target.namespace}/` : ''}${restore.target.name}`,
      ];
  }
}
