// Choosing nodes and (un)cordoning them. A selector that would take out most of a cluster is far
// more likely a mistake than an intent, so it is refused unless the runbook says allowAll.
import type { V1Node } from '@kubernetes/client-node';
import { type Change, type RecordChange, writeFields } from './changes.ts';
import type { Cluster } from './cluster.ts';

const NODE = { apiVersion: 'v1', kind: 'Node' };

export interface NodeSet {
  selector?: string;
  nodes?: string[];
  allowAll?: boolean;
}

/** More than this share of a cluster's nodes is "obviously too wide" without allowAll. */
export const WIDE_SELECTOR_SHARE = 0.5;

export async function selectNodes(cluster: Cluster, set: NodeSet): Promise<V1Node[]> {
  const all = (await cluster.core.listNode()).items;
  if (set.nodes) {
    const byName = new Map(all.map((n) => [n.metadata?.name, n]));
    const missing = set.nodes.filter((name) => !byName.has(name));
    if (missing.length > 0) throw new Error(`no such node: ${missing.join(', ')}`);
    return set.nodes.map((name) => byName.get(name) as V1Node);
  }
  const selector = set.selector?.trim() ?? '';
  const chosen = selector === '' ? all : (await cluster.core.listNode({ labelSelector: selector })).items;
  if (chosen.length === 0) throw new Error(`selector "${selector}" matches no nodes`);
  if (!set.allowAll && (selector === '' || chosen.length > all.length * WIDE_SELECTOR_SHARE)) {
    throw new Error(
      `refusing: selector "${selector}" matches ${chosen.length} of ${all.length} nodes ` +
        `(more than ${WIDE_SELECTOR_SHARE * 100}%); set allowAll: true if that is what you mean`,
    );
  }
  return chosen;
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
