/** What traffic.drain and traffic.restore share: their strategy inputs read as plans and permissions. */
import type { Static, TObject } from 'typebox';
import type { Permission } from '../../kube/access.ts';
import type { Cluster } from '../../kube/cluster.ts';
import { groupOf, guessResource } from '../../kube/objects.ts';
import type { strategyInputs } from './inputs.ts';

export type DrainInput = Static<TObject<typeof strategyInputs>>;

export function describeStrategy(input: DrainInput): string {
  switch (input.strategy) {
    case 'gateway':
      return `weight 0 for the region's backends in ${input.routeKind ?? 'HTTPRoute'} ${(input.routes ?? []).join(', ')}`;
    case 'service':
      return (input.method ?? 'scale') === 'scale'
        ? `scale the region's workloads to zero (${input.workloads?.map((w) => `${w.kind}/${w.name}`).join(', ') ?? input.workloadSelector})`
        : `${input.drainedValue === undefined ? 'remove' : `set to ${input.drainedValue}`} the label ${input.label} of Service ${input.service}'s pods in the region`;
    case 'nodes':
      return `cordon and drain the nodes ${input.selector ?? `${input.regionLabel ?? 'topology.kubernetes.io/region'}=${input.region}`}`;
    case 'patch':
      return `${input.type ?? 'merge'} patch of ${input.target?.kind} ${input.target?.name}`;
  }
}
const verbs = (verbList: string[], p: Omit<Permission, 'verb'>): Permission[] =>
  verbList.map((verb) => ({ verb, ...p }));

/** The API calls of a strategy, for drain and restore alike (restore reads and patches the same objects). */
export function strategyPermissions(input: DrainInput, namespace: string): Permission[] {
  switch (input.strategy) {
    case 'gateway':
      return [
        ...verbs(['list'], { group: '', resource: 'services', namespace }),
        ...(input.routes ?? []).flatMap((name) =>
          verbs(['get', 'patch'], {
            group: groupOf(input.routeApiVersion ?? 'gateway.networking.k8s.io/v1'),
            resource: guessResource(input.routeKind ?? 'HTTPRoute'),
            namespace,
            name,
          }),
        ),
      ];
    case 'service':
      return (input.method ?? 'scale') === 'scale'
        ? ['deployments', 'statefulsets'].flatMap((resource) => [
            ...verbs(['list'], { group: 'apps', resource, namespace }),
            ...verbs(['get', 'patch'], { group: 'apps', resource, subresource: 'scale', namespace }),
          ])
        : [
            ...verbs(['get'], { group: '', resource: 'services', namespace, name: input.service }),
            ...verbs(['list', 'patch'], { group: '', resource: 'pods', namespace }),
            ...verbs(['list'], { group: '', resource: 'nodes' }),
          ];
    case 'nodes':
      return [
        ...verbs(['list', 'patch'], { group: '', resource: 'nodes' }),
        ...verbs(['list', 'watch'], { group: '', resource: 'pods' }),
        { verb: 'create', group: '', resource: 'pods', subresource: 'eviction' },
        { verb: 'list', group: 'apps', resource: 'daemonsets' },
        { verb: 'list', group: 'policy', resource: 'poddisruptionbudgets' },
      ];
    case 'patch': {
      const target = input.target;
      if (!target) return [];
      return verbs(['get', 'patch'], {
        group: groupOf(target.apiVersion),
        resource: guessResource(target.kind),
        namespace: target.namespace ?? namespace,
        name: target.name,
      });
    }
  }
}

/** The namespace of the routes, Services and workloads: the step's, else the cluster's. */
export function namespaceOf(input: DrainInput, cluster: Cluster): string {
  return input.namespace ?? cluster.namespace;
}

/** The gateway strategy's options, with the inputs' defaults; drain and restore see the same. */
export function gatewayOptions(input: DrainInput, cluster: Cluster) {
  return {
    namespace: namespaceOf(input, cluster),
    routes: input.routes ?? [],
    apiVersion: input.routeApiVersion ?? 'gateway.networking.k8s.io/v1',
    kind: input.routeKind ?? 'HTTPRoute',
    region: input.region ?? '',
    backends: input.backends,
    regionLabel: input.regionLabel ?? 'topology.kubernetes.io/region',
  };
}
