// The `nodes` strategy: cordon and drain the region's nodes with nodes.drain's semantics. Restore
// uncordons the nodes the drain cordoned (not those that were cordoned before it); evicted pods are
// not put back: their controllers have already replaced them elsewhere.
import type { RecordChange, WriteContext } from '../changes.ts';
import type { Cluster } from '../cluster.ts';
import { drainNodes } from '../drain.ts';
import { nodeName, selectNodes, setUnschedulable } from '../nodes.ts';

export interface NodesRestore {
  strategy: 'nodes';
  /** Nodes that were schedulable before the drain. */
  cordoned: string[];
  evictedPods: string[];
}

export interface NodesDrainOptions {
  selector: string;
  allowAll: boolean;
  podSelector?: string;
  gracePeriodSeconds?: number;
  parallelism: number;
  force: boolean;
  deleteEmptyDirData: boolean;
  signal: AbortSignal;
  progress: (message: string, data?: Record<string, unknown>) => void;
  record: RecordChange;
}

export async function drainRegionNodes(cluster: Cluster, options: NodesDrainOptions): Promise<NodesRestore> {
  const nodes = await selectNodes(cluster, { selector: options.selector, allowAll: options.allowAll });
  const cordoned = nodes.filter((n) => !(n.spec?.unschedulable ?? false)).map(nodeName);
  const result = await drainNodes(cluster, nodes, {
    ignoreDaemonSets: true,
    deleteEmptyDirData: options.deleteEmptyDirData,
    force: options.force,
    podSelector: options.podSelector,
    gracePeriodSeconds: options.gracePeriodSeconds,
    disableEviction: false,
    skipWaitForDeleteTimeoutSeconds: 0,
    parallelism: options.parallelism,
    waitForReplacements: false,
    signal: options.signal,
    progress: options.progress,
    record: options.record,
  });
  return { strategy: 'nodes', cordoned, evictedPods: result.evictedPods };
}

export async function restoreNodes(
  cluster: Cluster,
  restore: NodesRestore,
  { record }: WriteContext,
): Promise<string[]> {
  const wanted = new Set(restore.cordoned);
  const nodes = (await cluster.core.listNode()).items.filter((n) => wanted.has(nodeName(n)));
  const missing = restore.cordoned.filter((name) => !nodes.some((n) => nodeName(n) === name));
  for (const node of nodes) await setUnschedulable(cluster, node, false, record);
  return [...nodes.map((n) => `uncordoned ${nodeName(n)}`), ...missing.map((name) => `node ${name} no longer exists`)];
}
