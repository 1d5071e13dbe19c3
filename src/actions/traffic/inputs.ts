/**
 * Inputs of traffic.drain and traffic.restore: the strategies' (from their registry) and the
 * measures'.
 */
import Type, { type Static } from 'typebox';
import { Duration, HttpUrl, LabelSelector, ObjectName } from '../../runbook/inputs.ts';
import { orList, type StrategyName, strategies, strategyNames } from './strategies/registry.ts';
import { regionInputs } from './strategies/strategy.ts';

export const measureInput = Type.Object(
  {
    source: Type.Enum(['prometheus', 'endpoints', 'http'], {
      description:
        "Where the region's remaining traffic is read: `prometheus` (a PromQL request rate), `endpoints` (the Service's ready endpoints in the region) or `http` (which region answers a URL).",
    }),
    url: Type.Optional(
      HttpUrl({
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

type StrategyProperties = UnionToIntersection<(typeof strategies)[StrategyName]['inputs']>;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** What traffic.drain changes, by strategy; traffic.restore takes the same to undo it without a record. */
export const strategyInputs = {
  strategy: Type.Enum(strategyNames, {
    description: `How traffic leaves the region: ${orList(strategyNames.map((name) => `\`${name}\` (${strategies[name].summary})`))}.`,
  }),
  ...regionInputs,
  ...(Object.assign({}, ...strategyNames.map((name) => strategies[name].inputs)) as StrategyProperties),
};

/** The conditional requirements of each strategy, as schema keywords editors understand. */
export const strategyRequirements = strategyNames.map((name) => ({
  if: { properties: { strategy: { const: name } }, required: ['strategy'] },
  then: { required: [...strategies[name].requires] },
}));
