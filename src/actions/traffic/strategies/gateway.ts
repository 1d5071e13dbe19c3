// The `gateway` strategy's inputs, read as options of src/kube/traffic/gateway.ts: the region's
// backendRefs in the named routes go to weight 0. It is the one strategy whose plan can say in
// advance what a drain will change (the routes' weights now), and whose restore needs no record
// (the routes carry their own).
import Type from 'typebox';
import type { Cluster } from '../../../kube/cluster.ts';
import {
  drainGateway,
  type GatewayDrainOptions,
  type GatewayRestore,
  planGatewayDrain,
  type RecordedWeight,
  restoreGateway,
  restoreGatewayFromRoutes,
  type RouteRef,
} from '../../../kube/traffic/gateway.ts';
import { groupOf, guessResource } from '../../../kube/objects.ts';
import { defaultOf, ObjectName } from '../../../runbook/inputs.ts';
import {
  listIn,
  namespaceOf,
  notARecord,
  regionLabelOf,
  type StrategyInput,
  type TrafficStrategy,
  verbs,
} from './strategy.ts';

const names = (description: string) => Type.Array(ObjectName({ description: 'A name.' }), { minItems: 1, description });

const inputs = {
  routes: Type.Optional(names('`gateway`: names of the routes whose backendRefs to the region go to weight 0.')),
  routeKind: Type.Optional(
    Type.Enum(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'], {
      default: 'HTTPRoute',
      description: '`gateway`: the kind of the routes.',
    }),
  ),
  routeApiVersion: Type.Optional(
    Type.String({
      minLength: 1,
      default: 'gateway.networking.k8s.io/v1',
      description: '`gateway`: the API version of the routes.',
    }),
  ),
  backends: Type.Optional(
    names("`gateway`: the region's Services; default: the Services labelled with `regionLabel`=`region`."),
  ),
};

type Input = StrategyInput<typeof inputs>;

const routeKind = (input: Input) => input.routeKind ?? defaultOf(inputs.routeKind);

/** Drain, plan and restore see the same options. */
function options(input: Input, namespace: string): GatewayDrainOptions {
  return {
    namespace,
    routes: input.routes ?? [],
    apiVersion: input.routeApiVersion ?? defaultOf(inputs.routeApiVersion),
    kind: routeKind(input),
    region: input.region ?? '',
    backends: input.backends,
    regionLabel: regionLabelOf(input),
  };
}

const optionsIn = (input: Input, cluster: Cluster) => options(input, namespaceOf(input, cluster));

function describeWeights(route: RouteRef, weights: readonly RecordedWeight[]): string {
  return `${route.kind} ${route.namespace}/${route.name}: ${weights.map((w) => `${w.backend} ${w.weight ?? 'unset'} -> 0`).join(', ')}`;
}

export const gateway: TrafficStrategy<typeof inputs, GatewayRestore> = {
  summary: 'route weights to 0',
  inputs,
  requires: ['region', 'routes'],
  describe: (input) => `weight 0 for the region's backends in ${routeKind(input)} ${(input.routes ?? []).join(', ')}`,
  permissions: (input, namespace) => {
    const { apiVersion, kind, routes } = options(input, namespace);
    return [
      ...verbs(['list'], { group: '', resource: 'services', namespace }),
      ...routes.flatMap((name) =>
        verbs(['get', 'patch'], { group: groupOf(apiVersion), resource: guessResource(kind), namespace, name }),
      ),
    ];
  },
  plan: async (cluster, input) =>
    (await planGatewayDrain(cluster, optionsIn(input, cluster))).routes.map(({ route, weights }) =>
      describeWeights(route, weights),
    ),
  drain: (cluster, input, context) => drainGateway(cluster, optionsIn(input, cluster), context),
  changed: (record) => record.routes.map((route) => describeWeights(route, route.weights)),
  parse: (record) => {
    for (const route of listIn(record, 'routes') as Record<string, unknown>[]) {
      if (typeof route.name !== 'string' || !Array.isArray(route.weights))
        notARecord('a route lacks its name or weights');
    }
    return record as unknown as GatewayRestore;
  },
  restore: restoreGateway,
  restoreFromInputs: (cluster, input, context) => restoreGatewayFromRoutes(cluster, optionsIn(input, cluster), context),
};
