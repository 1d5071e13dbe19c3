// Choosing nodes and (un)cordoning them. A selector that would take out most of a cluster is far
// more likely a mistake than an intent, so it is refused unless the runbook says allowAll.
import type { V1Node } from '@kubernetes/client-node';
import { type Change, type RecordChange, writeFields } from './changes.ts';
import type { Cluster } from './cluster.ts';
import { listPage } from './objects.ts';

const NODE = { apiVersion: 'v1', kind: 'Node' };
const NODES = '/api/v1/nodes';

export interface NodeSet {
  selector?: string;
  nodes?: string[];
  allowAll?: boolean;
}

/** More than this share of a cluster's nodes is "obviously too wide" without allowAll. */
export const WIDE_SELECTOR_SHARE = 0.5;

/** The nodes a selector picks (all of them without one), as the API sends them (listPage). */
async function listNodes(cluster: Cluster, labelSelector = ''): Promise<V1Node[]> {
  return (await listPage<V1Node>(cluster, NODES, labelSelector === '' ? {} : { labelSelector })).items;
}

export async function selectNodes(cluster: Cluster, set: NodeSet): Promise<V1Node[]> {
  if (set.nodes) {
    const all = await listNodes(cluster);
    const byName = new Map(all.map((n) => [n.metadata?.name, n]));
    const missing = set.nodes.filter((name) => !byName.has(name));
    if (missing.length > 0) throw new Error(`no such node: ${missing.join(', ')}`);
    return set.nodes.map((name) => byName.get(name) as V1Node);
  }
  const selector = set.selector?.trim() ?? '';
  const chosen = await listNodes(cluster, selector);
  if (chosen.length === 0) throw new Error(`selector "${selector}" matches no nodes`);
  const total = selector === '' ? chosen.length : await countNodes(cluster);
  if (!set.allowAll && (selector === '' || chosen.length > total * WIDE_SELECTOR_SHARE)) {
    throw new Error(
      `refusing: selector "${selector}" matches ${chosen.length} of ${total} nodes ` +
        `(more than ${WIDE_SELECTOR_SHARE * 100}%); set allowAll: true if that is what you mean`,
    );
  }
  return chosen;
}

/**
 * How many nodes the cluster has, from a one-node page and the count the API gives of the rest:
 * listing them all only to count them cost a plan of a 250-node region four lists of every node.
 * A server that gives no count (it is optional) gets the full list.
 */
async function countNodes(cluster: Cluster): Promise<number> {
  const page = await listPage<V1Node>(cluster, NODES, { limit: '1' });
  if (page.remainingItemCount !== undefined) return page.items.length + page.remainingItemCount;
  if (page.continue === undefined) return page.items.length;
  return (await listNodes(cluster)).length;
}

export function nodeName(node: V1Node): string {
  return node.metadata?.name ?? '';
}

export const UNSCHEDULABLE_FIELD = '/spec/unschedulable';

/**
 * Cordons (spec.unschedulable true) or uncordons (the field removed, as kubectl uncordon leaves
 * it) a node, recording the change first; true if it changed.
 */
export async function setUnschedulable(
  cluster: Cluster,
  node: V1Node,
  unschedulable: boolean,
  record: RecordChange,
): Promise<boolean> {
  if ((node.spec?.unschedulable ?? false) === unschedulable) return false;
  const value = unschedulable ? true : null;
  await writeFields(cluster, NODE, node, [{ path: UNSCHEDULABLE_FIELD, value }], record);
  return true;
}

/** Names of the nodes that the given changes cordoned (for "uncordon what this run cordoned"). */
export function cordonedBy(changes: readonly Change[]): Set<string> {
  const names = new Set<string>();
  for (const change of changes) {
    if (change.type !== 'fields' || change.object.kind !== 'Node') continue;
    const field = change.fields.find((f) => f.path === UNSCHEDULABLE_FIELD);
    if (field?.after === true) names.add(change.object.name);
  }
  return names;
}
