// The `service` strategy's inputs, read as options of src/kube/traffic/service.ts: the region's
// endpoints leave a Service, by scaling the region's workloads to zero (`scale`) or by changing the
// label the Service selects on in the region's pods (`label`). What they changed (replicas, label
// values) cannot be read back from the cluster, so restoring needs the drain's record.
import Type from 'typebox';
import type { Permission } from '../../../kube/access.ts';
import type { WriteContext } from '../../../kube/changes.ts';
import type { Cluster } from '../../../kube/cluster.ts';
import { drainByLabel, drainByScale, restoreService, type ServiceRestore } from '../../../kube/traffic/service.ts';
import { defaultOf, LabelKey, LabelSelector, LabelValue, ObjectName } from '../../../runbook/inputs.ts';
import {
  listIn,
  namespaceOf,
  notARecord,
  regionLabelOf,
  type StrategyInput,
  type TrafficStrategy,
  verbs,
} from './strategy.ts';

const inputs = {
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
    LabelKey({
      description: "`service` with `label`: the label the Service selects on, changed on the region's pods.",
    }),
  ),
  drainedValue: Type.Optional(
    LabelValue({ description: '`service` with `label`: the value the label gets; default: the label is removed.' }),
  ),
};

type Input = StrategyInput<typeof inputs>;

/** What differs between the two methods before there is a record; the record names its method. */
interface Method {
  describe(input: Input): string;
  permissions(input: Input, namespace: string): Permission[];
  drain(cluster: Cluster, input: Input, writes: WriteContext): Promise<ServiceRestore>;
}

const methods: Record<NonNullable<Input['method']>, Method> = {
  scale: {
    describe: (input) =>
      `scale the region's workloads to zero (${input.workloads?.map((w) => `${w.kind}/${w.name}`).join(', ') ?? input.workloadSelector})`,
    permissions: (_input, namespace) =>
      ['deployments', 'statefulsets'].flatMap((resource) => [
        ...verbs(['list'], { group: 'apps', resource, namespace }),
        ...verbs(['get', 'patch'], { group: 'apps', resource, subresource: 'scale', namespace }),
      ]),
    drain: (cluster, input, writes) =>
      drainByScale(
        cluster,
        {
          namespace: namespaceOf(input, cluster),
          workloads: input.workloads,
          workloadSelector: input.workloadSelector,
        },
        writes,
      ),
  },
  label: {
    describe: (input) =>
      `${input.drainedValue === undefined ? 'remove' : `set to ${input.drainedValue}`} the label ${input.label} of Service ${input.service}'s pods in the region`,
    permissions: (input, namespace) => [
      ...verbs(['get'], { group: '', resource: 'services', namespace, name: input.service }),
      ...verbs(['list', 'patch'], { group: '', resource: 'pods', namespace }),
      ...verbs(['list'], { group: '', resource: 'nodes' }),
    ],
    drain: (cluster, input, writes) => {
      if (!input.service || !input.label) {
        throw new Error('the service strategy with method label needs service and label');
      }
      return drainByLabel(
        cluster,
        {
          namespace: namespaceOf(input, cluster),
          service: input.service,
          label: input.label,
          drainedValue: input.drainedValue,
          region: input.region ?? '',
          regionLabel: regionLabelOf(input),
        },
        writes,
      );
    },
  },
};

const methodOf = (input: Input): Method => methods[input.method ?? defaultOf(inputs.method)];

export const service: TrafficStrategy<typeof inputs, ServiceRestore> = {
  summary: "the region's endpoints out of a Service",
  inputs,
  requires: ['region'],
  describe: (input) => methodOf(input).describe(input),
  permissions: (input, namespace) => methodOf(input).permissions(input, namespace),
  drain: (cluster, input, context) => methodOf(input).drain(cluster, input, context),
  changed: (record) =>
    record.method === 'scale'
      ? record.workloads.map((w) => `${w.kind} ${w.namespace}/${w.name}: ${w.replicas} -> 0 replicas`)
      : record.pods.map((p) => `pod ${p.namespace}/${p.name}: label ${record.label} changed`),
  parse: (record) => {
    if (record.method === 'scale') listIn(record, 'workloads');
    else if (record.method === 'label') {
      listIn(record, 'pods');
      if (typeof record.label !== 'string') notARecord('label must be a string');
    } else notARecord('method must be scale or label');
    return record as unknown as ServiceRestore;
  },
  restore: restoreService,
  restoreFromInputs: () =>
    Promise.reject(
      new Error("restoring the service strategy needs the drain's record: restore: ${{ steps.<id>.outputs.restore }}"),
    ),
};
