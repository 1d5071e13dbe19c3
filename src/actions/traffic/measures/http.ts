// The `http` measure's inputs, read as options of src/kube/traffic/http.ts: which region answers a
// URL, for drains that happen outside the cluster (DNS, a global load balancer).
import { httpMeasure } from '../../../kube/traffic/http.ts';
import { durationMs } from '../../../runbook/duration.ts';
import { defaultOf } from '../../../runbook/inputs.ts';
import { measureInput } from '../inputs.ts';
import type { TrafficMeasure } from './measure.ts';

const { header, window } = measureInput.properties;

export const http: TrafficMeasure = {
  intervalMs: 50,
  create: (_cluster, input, measure, intervalMs) =>
    httpMeasure({
      url: measure.url ?? '',
      header: measure.header ?? defaultOf(header),
      region: input.region ?? '',
      windowMs: durationMs(measure.window ?? defaultOf(window)),
      intervalMs,
    }),
};
