// What a traffic strategy is to traffic.drain and traffic.restore: one object per way of moving a
// region's traffic, holding all the actions know of it (its inputs, plan, permissions, drain, restore
// record and restores), so a new strategy is one new file and one line in the registry. The objects
// read runbook inputs into the options of src/kube/traffic/<name>.ts, which does the work.
import Type, { type Static, type TObject, type TProperties } from 'typebox';
import type { Permission } from '../../../kube/access.ts';
import type { Cluster } from '../../../kube/cluster.ts';
import { defaultOf, LabelKey, LabelValue, Namespace } from '../../../runbook/inputs.ts';
import type { ExecuteContext } from '../../action.ts';

/** The inputs every strategy reads: which region, and where its objects are. */
export const regionInputs = {
  region: Type.Optional(
    LabelValue({ minLength: 1, description: 'The region to drain, as the region label names it.' }),
  ),
  namespace: Type.Optional(Namespace('Namespace of the routes, Services and workloads; defaults to the current one.')),
  regionLabel: Type.Optional(
    LabelKey({
      default: 'topology.kubernetes.io/region',
      description: "The label naming a node's (and, for `gateway`, a Service's) region.",
    }),
  ),
};

/** A strategy's inputs: the region's and its own. */
export type StrategyInput<Properties extends TProperties> = Static<TObject<typeof regionInputs & Properties>>;
export type RegionInput = Static<TObject<typeof regionInputs>>;

/** What a drain records for its restore: plain JSON, journaled and passed through templates. */
export interface TrafficRecord {
  strategy: string;
}

/** A record as it comes back from a template or the journal, before its strategy has checked it. */
export type RecordFields = Partial<Record<string, unknown>>;

export interface TrafficStrategy<Properties extends TProperties, Restore extends TrafficRecord> {
  /** How it moves the traffic, for the `strategy` input's description. */
  readonly summary: string;
  /** Its own inputs of traffic.drain and traffic.restore, beside the region's. */
  readonly inputs: Properties;
  /** The inputs it cannot do without, as the schemas require them when `strategy` names it. */
  readonly requires: readonly string[];
  /** What a drain does, in one line for plans. */
  describe(input: StrategyInput<Properties>): string;
  /** The API calls of a drain and of a restore alike (restore reads and patches the same objects). */
  permissions(input: StrategyInput<Properties>, namespace: string): Permission[];
  /** A plan's details, resolved against the cluster, where the strategy can tell them in advance. */
  plan?(cluster: Cluster, input: StrategyInput<Properties>): Promise<string[]>;
  /** Moves the traffic; returns what its restore needs. */
  drain(cluster: Cluster, input: StrategyInput<Properties>, context: ExecuteContext): Promise<Restore>;
  /** What a drain changed, one line each: the `changed` output. */
  changed(record: Restore): string[];
  /** The record, checked for the fields its restore relies on; `notARecord` says what is wrong. */
  parse(record: RecordFields): Restore;
  /** Puts back what the record says; one line per thing restored. */
  restore(cluster: Cluster, record: Restore, context: ExecuteContext): Promise<string[]>;
  /** Puts back what a drain with these inputs changed, without its record (a drain that failed leaves none). */
  restoreFromInputs(cluster: Cluster, input: StrategyInput<Properties>, context: ExecuteContext): Promise<string[]>;
}

/** The namespace of the routes, Services and workloads: the step's, else the cluster's. */
export function namespaceOf(input: RegionInput, cluster: Cluster): string {
  return input.namespace ?? cluster.namespace;
}

export function regionLabelOf(input: RegionInput): string {
  return input.regionLabel ?? defaultOf(regionInputs.regionLabel);
}

export function notARecord(problem: string): never {
  throw new Error(`restore is not what traffic.drain recorded: ${problem}`);
}

/** A list in the record. */
export function listIn(record: RecordFields, key: string): unknown[] {
  const items = record[key];
  return Array.isArray(items) ? items : notARecord(`${key} must be a list`);
}

/** One permission per verb. */
export const verbs = (verbList: string[], p: Omit<Permission, 'verb'>): Permission[] =>
  verbList.map((verb) => ({ verb, ...p }));
