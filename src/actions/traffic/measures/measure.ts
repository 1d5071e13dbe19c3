// What a share measure is to traffic.drain: one object per place the region's remaining traffic is
// read from, mapping the step's `measure` inputs to the options of src/kube/traffic/<name>.ts. Each
// samples as often as its source is cheap to read, unless the runbook says otherwise.
import type { Cluster } from '../../../kube/cluster.ts';
import type { ShareMeasure } from '../../../kube/traffic/measure.ts';
import type { MeasureInput } from '../inputs.ts';
import type { RegionInput } from '../strategies/strategy.ts';

/** The drain's inputs a measure reads: the region's, and the Service of the `service` strategy. */
export type MeasuredInput = RegionInput & { service?: string };

export interface TrafficMeasure {
  /** How often it samples when the runbook gives no `interval`. */
  readonly intervalMs: number;
  create(cluster: Cluster, input: MeasuredInput, measure: MeasureInput, intervalMs: number): ShareMeasure;
}
