/** Inputs of traffic.drain and traffic.restore: the strategies' and the measures'. */
import Type, { type Static } from 'typebox';
import { ApiVersion, Duration, Kind, LabelSelector, Namespace, ObjectName } from '../../runbook/inputs.ts';

export const STRATEGIES = ['gateway', 'service', 'nodes', 'patch'] as const;
export type Strategy = (typeof STRATEGIES)[number];

const names = (description: string) => Type.Array(ObjectName({ description: 'A name.' }), { minItems: 1, description });

export const measureInput = Type.Object(
  {
    source: Type.Enum(['prometheus', 'endpoints', 'http'], {
      description:
        "Where the region's remaining traffic is read: `prometheus` (a PromQL request rate), `endpoints` (the Service's ready endpoints in the region) or `http` (which region answers a URL).",
    }),
    url: Type.Optional(
      Type.String({
        minLength: 1,
        description: "`prometheus`: Prometheus' base URL (default http://127.0.0.1:9090). `http`: the URL to sample.",
      }),
    ),
    query: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          '`prometheus`: PromQL for the region\'s request rate, like sum(rate(http_requests_total{region="eu-west"}[1m])).',
      }),
    ),
    totalQuery: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "`prometheus`: PromQL for every region's request rate; the share is then the region's part of it, compared with its part at drain start.",
      }),
    ),
    service: Type.Optional(
      ObjectName({
        description: "`endpoints`: the Service whose ready endpoints are counted; defaults to the step's `service`.",
      }),
    ),
    selector: Type.Optional(
      LabelSelector('`endpoints`: a label selector of the EndpointSlices to count, instead of one Service.'),
    ),
    header: Type.Optional(
      Type.String({
        minLength: 1,
        default: 'x-region',
        description: '`http`: the response header that names the region that answered.',
      }),
    ),
    window: Type.Optional(
      Duration({ default: '2s', description: '`http`: the sliding window over which answers are counted.' }),
    ),
    interval: Type.Optional(
      Duration({
        description: 'How often to sample; default 250ms (`prometheus`), 100ms (`endpoints`), 50ms (`http`).',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "How to measure the region's remaining traffic share; without it the drain is not measured.",
    allOf: [
      { if: { properties: { source: { const: 'prometheus' } } }, then: { required: ['query'] } },
      { if: { properties: { source: { const: 'http' } } }, then: { required: ['url'] } },
    ],
  },
);

export type MeasureInput = Static<typeof measureInput>;

export const targetInput = Type.Object(
  {
    apiVersion: ApiVersion(),
    kind: Kind(),
    name: ObjectName({ description: 'Name of the object.' }),
    namespace: Type.Optional(Namespace("Namespace of the object; defaults to the step's namespace.")),
  },
  { additionalProperties: false, description: '`patch`: the object to patch.' },
);

const patchBody = (description: string) =>
  Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown()), Type.String({ minLength: 1 })], {
    description,
  });

/** What traffic.drain changes, by strategy; traffic.restore takes the same to undo it without a record. */
export const strategyInputs = {
  strategy: Type.Enum([...STRATEGIES], {
    description:
      "How traffic leaves the region: `gateway` (route weights to 0), `service` (the region's endpoints out of a Service), `nodes` (cordon and drain the region's nodes) or `patch` (any patch of any object).",
  }),
  region: Type.Optional(
    Type.String({ minLength: 1, description: 'The region to drain, as the region label names it.' }),
  ),
  namespace: Type.Optional(Namespace('Namespace of the routes, Services and workloads; defaults to the current one.')),
  regionLabel: Type.Optional(
    Type.String({
      minLength: 1,
      default: 'topology.kubernetes.io/region',
      description: "The label naming a node's (and, for `gateway`, a Service's) region.",
    }),
  ),
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
  method: Type.Optional(
    Type.Enum(['scale', 'label'], {
      default: 'scale',
      description:
        "`service`: `scale` the region's workloads to zero, or `label` its pods so the Service no longer selects them.",
    }),
  ),
  workloads: Type.Optional(
    Type.Array(
      Type.Object(
        {
          kind: Type.Enum(['Deployment', 'StatefulSet'], { description: 'Kind of the workload.' }),
          name: ObjectName({ description: 'Name of the workload.' }),
        },
        { additionalProperties: false, description: 'A workload of the region.' },
      ),
      { minItems: 1, description: "`service` with `scale`: the region's workloads to scale to zero." },
    ),
  ),
  workloadSelector: Type.Optional(
    LabelSelector(
      "`service` with `scale`: the region's Deployments and StatefulSets, by label, instead of `workloads`.",
    ),
  ),
  service: Type.Optional(
    ObjectName({ description: '`service` with `label`: the Service; its pods in the region are relabelled.' }),
  ),
  label: Type.Optional(
    Type.String({
      minLength: 1,
      description: "`service` with `label`: the label the Service selects on, changed on the region's pods.",
    }),
  ),
  drainedValue: Type.Optional(
    Type.String({ description: '`service` with `label`: the value the label gets; default: the label is removed.' }),
  ),
  selector: Type.Optional(LabelSelector('`nodes`: the nodes to drain; default: `regionLabel`=`region`.')),
  allowAll: Type.Optional(
    Type.Boolean({ default: false, description: '`nodes`: allow a selector matching most of the cluster.' }),
  ),
  podSelector: Type.Optional(LabelSelector('`nodes`: evict only the pods matching this label selector.')),
  gracePeriod: Type.Optional(
    Duration({
      allowZero: true,
      description: "`nodes`: termination grace period for evicted pods; default: each pod's own.",
    }),
  ),
  parallelism: Type.Optional(
    Type.Integer({ minimum: 1, default: 4, description: '`nodes`: how many nodes are drained at the same time.' }),
  ),
  force: Type.Optional(
    Type.Boolean({ default: false, description: '`nodes`: also evict pods that no controller manages.' }),
  ),
  deleteEmptyDirData: Type.Optional(
    Type.Boolean({ default: false, description: '`nodes`: evict pods with emptyDir volumes; their data is lost.' }),
  ),
  target: Type.Optional(targetInput),
  type: Type.Optional(
    Type.Enum(['json', 'merge'], {
      default: 'merge',
      description: '`patch`: the patch type, `json` (RFC 6902) or `merge` (RFC 7386).',
    }),
  ),
  patch: Type.Optional(patchBody('`patch`: the patch, as a mapping, a list of JSON patch operations, or YAML text.')),
  reversePatch: Type.Optional(
    patchBody('`patch`: the patch that undoes it; default: computed from the object before the patch.'),
  ),
};

/** The conditional requirements of each strategy, as schema keywords editors understand. */
export const strategyRequirements = [
  {
    if: { properties: { strategy: { const: 'gateway' } }, required: ['strategy'] },
    then: { required: ['region', 'routes'] },
  },
  { if: { properties: { strategy: { const: 'service' } }, required: ['strategy'] }, then: { required: ['region'] } },
  { if: { properties: { strategy: { const: 'nodes' } }, required: ['strategy'] }, then: { required: ['region'] } },
  {
    if: { properties: { strategy: { const: 'patch' } }, required: ['strategy'] },
    then: { required: ['target', 'patch'] },
  },
];
