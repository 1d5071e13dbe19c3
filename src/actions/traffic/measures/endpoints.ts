// The `endpoints` measure's inputs, read as options of src/kube/traffic/endpoints.ts. Without a
// Service or selector of its own it counts the endpoints of the Service the `service` strategy
// relabels, so a label drain measures itself.
import { endpointsMeasure } from '../../../kube/traffic/endpoints.ts';
import { namespaceOf, regionLabelOf } from '../strategies/strategy.ts';
import type { TrafficMeasure } from './measure.ts';

export const endpoints: TrafficMeasure = {
  intervalMs: 100,
  create: (cluster, input, measure, intervalMs) => {
    const service = measure.service ?? (measure.selector === undefined ? input.service : undefined);
    if (service === undefined && measure.selector === undefined) {
      throw new Error('the endpoints measure needs a service or a selector');
    }
    return endpointsMeasure(cluster, {
      namespace: namespaceOf(input, cluster),
      service,
      selector: measure.selector,
      region: input.region ?? '',
      regionLabel: regionLabelOf(input),
      intervalMs,
    });
  },
};
