// Every traffic strategy, by the name a runbook's `strategy` gives it. The inputs of traffic.drain
// and traffic.restore are made from this list, and a drain's record is read back through it.
import type { TProperties } from 'typebox';
import { gateway } from './gateway.ts';
import { nodes } from './nodes.ts';
import { patch } from './patch.ts';
import { service } from './service.ts';
import { notARecord, type RecordFields, type TrafficRecord, type TrafficStrategy } from './strategy.ts';

export const strategies = { gateway, service, nodes, patch };

export type StrategyName = keyof typeof strategies;
export const strategyNames = Object.keys(strategies) as StrategyName[];

/** Any strategy, for code that picks one by name: the schemas and `parse` see that each gets its own inputs and records. */
export type AnyStrategy = TrafficStrategy<TProperties, TrafficRecord>;

export function strategyOf(name: StrategyName): AnyStrategy {
  return strategies[name];
}

/** The strategy a name from outside the schema names (a record's `strategy`), if any. */
export function strategyNamed(name: unknown): AnyStrategy | undefined {
  return typeof name === 'string' && Object.hasOwn(strategies, name) ? strategies[name as StrategyName] : undefined;
}

/** `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** A drain's record, as traffic.restore is given it, checked by the strategy it names. */
export function parseRecord(value: unknown): { strategy: AnyStrategy; record: TrafficRecord } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return notARecord('expected a mapping');
  const fields = value as RecordFields;
  const strategy = strategyNamed(fields.strategy) ?? notARecord(`strategy must be ${orList(strategyNames)}`);
  return { strategy, record: strategy.parse(fields) };
}
