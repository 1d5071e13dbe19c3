// The `endpoints` measure: the share of a Service's ready endpoints that sit in the region, from
// its EndpointSlices, kept current by a watch. An endpoint's region is its node's region label or,
// for endpoints without a node, the region of the nodes in its zone. The share changes in steps, and
// each is dated by when its watch event arrived (the API server's own time of the change is not in
// the object: the event comes within milliseconds of it), not by when the measure next looks.
import type { V1EndpointSlice, V1Node } from '@kubernetes/client-node';
import type { Cluster } from '../cluster.ts';
import { watchUntil } from '../watch.ts';
import type { MeasureSource, ShareMeasure, SharePoint, ShareSampler } from './measure.ts';
import { remainingShare } from './share.ts';

export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface EndpointsMeasureOptions {
  namespace: string;
  /** The Service whose endpoints count; or `selector` for EndpointSlices of several Services. */
  service?: string;
  selector?: string;
  region: string;
  /** The node label that names a node's region. */
  regionLabel: string;
  intervalMs: number;
}

export interface EndpointCounts {
  /** Ready endpoints in the region. */
  region: number;
  /** Ready endpoints in all regions. */
  total: number;
}

/** Maps node names and zones to regions, from the nodes' labels. */
export interface RegionMap {
  byNode: ReadonlyMap<string, string>;
  byZone: ReadonlyMap<string, string>;
}

export function regionMap(nodes: readonly V1Node[], regionLabel: string): RegionMap {
  const byNode = new Map<string, string>();
  const byZone = new Map<string, string>();
  for (const node of nodes) {
    const labels = node.metadata?.labels ?? {};
    const region = labels[regionLabel];
    if (region === undefined) continue;
    byNode.set(node.metadata?.name ?? '', region);
    const zone = labels[ZONE_LABEL];
    if (zone !== undefined) byZone.set(zone, region);
  }
  return { byNode, byZone };
}

/** Ready endpoints (ready unset counts as ready, as the EndpointSlice API says), in the region and in all. */
export function countEndpoints(slices: readonly V1EndpointSlice[], region: string, regions: RegionMap): EndpointCounts {
  const counts: EndpointCounts = { region: 0, total: 0 };
  for (const slice of slices) {
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false) continue;
      // Dual-stack Services list each endpoint in one slice per address family: the share is the same.
      counts.total++;
      const where =
        (endpoint.nodeName === undefined ? undefined : regions.byNode.get(endpoint.nodeName)) ??
        (endpoint.zone === undefined ? undefined : regions.byZone.get(endpoint.zone));
      if (where === region) counts.region++;
    }
  }
  return counts;
}

export function endpointSliceSelector(options: Pick<EndpointsMeasureOptions, 'service' | 'selector'>): string {
  if (options.service !== undefined) return `kubernetes.io/service-name=${options.service}`;
  if (options.selector !== undefined) return options.selector;
  throw new Error('the endpoints measure needs a service or a selector');
}

export function endpointsMeasure(cluster: Cluster, options: EndpointsMeasureOptions): ShareMeasure {
  const source: MeasureSource = 'endpoints';
  const labelSelector = endpointSliceSelector(options);
  const what = options.service === undefined ? `EndpointSlices ${labelSelector}` : `Service ${options.service}`;
  return {
    source,
    describe: () => `ready endpoints of ${what} in ${options.namespace} located in ${options.region}`,
    start: async (signal): Promise<ShareSampler> => {
      const regions = regionMap((await cluster.core.listNode()).items, options.regionLabel);
      const listed = await cluster.discovery.listNamespacedEndpointSlice({
        namespace: options.namespace,
        labelSelector,
      });
      const atStart = countEndpoints(listed.items, options.region, regions);
      if (atStart.region === 0) {
        throw new Error(`${what} in ${options.namespace} has no ready endpoint in ${options.region}: nothing to drain`);
      }
      const shareOf = (counts: EndpointCounts): number =>
        remainingShare(counts.region, atStart.region, counts.total, atStart.total);
      // Changes since the last reading, the first being the state listed before the drain.
      let changes: SharePoint[] = [{ share: 1, at: performance.now() }];
      let current = atStart;
      let failure: Error | undefined;
      let wake: (() => void) | undefined;
      const news = (): void => {
        wake?.();
        wake = undefined;
      };
      const stop = new AbortController();
      const watching = AbortSignal.any([signal, stop.signal]);
      watchUntil<V1EndpointSlice, never>(
        cluster,
        { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: options.namespace, labelSelector },
        (slices) => {
          const counts = countEndpoints(slices, options.region, regions);
          if (counts.region !== current.region || counts.total !== current.total) {
            changes.push({ share: shareOf(counts), at: performance.now() });
            news();
          }
          current = counts;
          return undefined;
        },
        watching,
      ).catch((error: unknown) => {
        if (!watching.aborted) failure = error instanceof Error ? error : new Error(String(error));
        news();
      });
      return {
        source,
        intervalMs: options.intervalMs,
        changed: () =>
          changes.length > 0 || failure !== undefined
            ? Promise.resolve()
            : new Promise((resolve) => {
                wake = resolve;
              }),
        sample: () => {
          if (failure !== undefined) return Promise.reject(failure);
          const points = changes;
          changes = [];
          return Promise.resolve({ points });
        },
        close: () => {
          stop.abort();
        },
      };
    },
  };
}
