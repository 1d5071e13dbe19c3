// The `prometheus` measure's inputs, read as options of src/kube/traffic/prometheus.ts. Its `url`
// has no schema default because the `http` measure shares the input and needs it given.
import { prometheusMeasure } from '../../../kube/traffic/prometheus.ts';
import type { TrafficMeasure } from './measure.ts';

const DEFAULT_URL = 'http://127.0.0.1:9090';

export const prometheus: TrafficMeasure = {
  intervalMs: 250,
  create: (_cluster, _input, measure, intervalMs) =>
    prometheusMeasure({
      url: measure.url ?? DEFAULT_URL,
      query: measure.query ?? '',
      totalQuery: measure.totalQuery,
      intervalMs,
    }),
};
