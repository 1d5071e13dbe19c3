// What a drain changed, as traffic.drain records it in its `restore` output, and putting it back.
// The record travels through templates and the journal as plain JSON, so it is checked before use.
import type { RecordChange } from '../changes.ts';
import type { Cluster } from '../cluster.ts';
import { type GatewayRestore, restoreGateway } from './gateway.ts';
import { type NodesRestore, restoreNodes } from './nodes.ts';
import { type PatchRestore, restorePatch } from './patch.ts';
import { restoreService, type ServiceRestore } from './service.ts';

export type TrafficRestore = GatewayRestore | ServiceRestore | NodesRestore | PatchRestore;

/** The record, checked for the fields restore relies on. */
export function parseRestore(value: unknown): TrafficRestore {
  const record = value as Partial<Record<string, unknown>> | null;
  const fail = (problem: string): never => {
    throw new Error(`restore is not what traffic.drain recorded: ${problem}`);
  };
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return fail('expected a mapping');
  const list = (key: string): unknown[] => {
    const items = record[key];
    return Array.isArray(items) ? items : fail(`${key} must be a list`);
  };
  switch (record.strategy) {
    case 'gateway':
      for (const route of list('routes') as Record<string, unknown>[]) {
        if (typeof route.name !== 'string' || !Array.isArray(route.weights)) fail('a route lacks its name or weights');
      }
      break;
    case 'service':
      if (record.method === 'scale') list('workloads');
      else if (record.method === 'label') {
        list('pods');
        if (typeof record.label !== 'string') fail('label must be a string');
      } else fail('method must be scale or label');
      break;
    case 'nodes':
      list('cordoned');
      break;
    case 'patch':
      if (typeof record.target !== 'object' || record.target === null) fail('target is missing');
      if (record.type !== 'json' && record.type !== 'merge') fail('type must be json or merge');
      break;
    default:
      fail('strategy must be gateway, service, nodes or patch');
  }
  return record as unknown as TrafficRestore;
}

/** Puts back what the record says; returns one line per thing restored. */
export function restoreTraffic(
  cluster: Cluster,
  restore: TrafficRestore,
  signal: AbortSignal,
  record: RecordChange,
): Promise<string[]> {
  switch (restore.strategy) {
    case 'gateway':
      return restoreGateway(cluster, restore, signal);
    case 'service':
      return restoreService(cluster, restore, signal);
    case 'nodes':
      return restoreNodes(cluster, restore, record);
    case 'patch':
      return restorePatch(cluster, restore, signal);
  }
}
