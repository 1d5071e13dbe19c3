// Every share measure, by the name a drain's `measure.source` gives it.
import type { Cluster } from '../../../kube/cluster.ts';
import type { ShareMeasure } from '../../../kube/traffic/measure.ts';
import { durationMs } from '../../../runbook/duration.ts';
import type { MeasureInput } from '../inputs.ts';
import { endpoints } from './endpoints.ts';
import { http } from './http.ts';
import type { MeasuredInput, TrafficMeasure } from './measure.ts';
import { prometheus } from './prometheus.ts';

export const measures: Record<MeasureInput['source'], TrafficMeasure> = { prometheus, endpoints, http };

/** The measure a drain's `measure` inputs name, sampling at their `interval` or the measure's own. */
export function measureOf(cluster: Cluster, input: MeasuredInput, measure: MeasureInput): ShareMeasure {
  const source = measures[measure.source];
  const intervalMs = measure.interval === undefined ? source.intervalMs : durationMs(measure.interval);
  return source.create(cluster, input, measure, intervalMs);
}
