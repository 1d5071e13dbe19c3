// Whether the nodes that stay schedulable can take the pods of nodes about to be emptied, judged
// as the scheduler judges a fit: by resource requests against allocatable, summed over the
// surviving nodes. It is a necessary check, not a sufficient one (affinity, taints, topology
// spread and fragmentation across nodes can still leave a pod pending), and a cheap one: two lists.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { Cluster } from './cluster.ts';
import { parseQuantity } from './quantity.ts';

export const RESOURCES = ['cpu', 'memory', 'pods'] as const;
export type Resource = (typeof RESOURCES)[number];
export type Amounts = Record<Resource, number>;

export interface CapacityCheck {
  /** Requests of the pods that would have to move (DaemonSet and mirror pods stay). */
  needed: Amounts;
  /** Allocatable less requests, summed over the surviving nodes. */
  free: Amounts;
  /** What must stay free after the move: `headroom` of the surviving nodes' allocatable. */
  reserved: Amounts;
  /** The nodes that stay schedulable and Ready. */
  surviving: string[];
  /** The resources that do not fit. */
  short: Resource[];
}

const zero = (): Amounts => ({ cpu: 0, memory: 0, pods: 0 });

export async function checkCapacity(
  cluster: Cluster,
  leaving: readonly V1Node[],
  headroom: number,
): Promise<CapacityCheck> {
  const [nodes, pods] = await Promise.all([
    cluster.core.listNode(),
    cluster.core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }),
  ]);
  return capacityOf(nodes.items, pods.items, new Set(leaving.map((n) => n.metadata?.name ?? '')), headroom);
}

export function capacityOf(
  nodes: readonly V1Node[],
  pods: readonly V1Pod[],
  leaving: ReadonlySet<string>,
  headroom: number,
): CapacityCheck {
  const surviving = nodes.filter((n) => !leaving.has(n.metadata?.name ?? '') && schedulable(n));
  const survivingNames = new Set(surviving.map((n) => n.metadata?.name ?? ''));
  const needed = zero();
  const free = zero();
  const reserved = zero();
  for (const node of surviving) {
    for (const resource of RESOURCES) {
      const allocatable = parseQuantity(node.status?.allocatable?.[resource] ?? '0');
      free[resource] += allocatable;
      reserved[resource] += allocatable * headroom;
    }
  }
  for (const pod of pods) {
    const node = pod.spec?.nodeName ?? '';
    if (survivingNames.has(node)) add(free, requestsOf(pod), -1);
    else if (leaving.has(node) && moves(pod)) add(needed, requestsOf(pod), 1);
  }
  const short = RESOURCES.filter((r) => needed[r] > free[r] - reserved[r]);
  return { needed, free, reserved, surviving: [...survivingNames], short };
}

function schedulable(node: V1Node): boolean {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return ready && !node.spec?.unschedulable;
}

/** DaemonSet pods stay with their node and mirror pods belong to its kubelet: neither moves. */
function moves(pod: V1Pod): boolean {
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror']) return false;
  return !pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller);
}

/** A pod's requests as the scheduler counts them: its containers' sum or its largest init container, plus overhead. */
export function requestsOf(pod: V1Pod): Amounts {
  const sum = zero();
  sum.pods = 1;
  const of = (requests: Record<string, string> | undefined, resource: 'cpu' | 'memory') =>
    parseQuantity(requests?.[resource] ?? '0');
  for (const resource of ['cpu', 'memory'] as const) {
    const containers = (pod.spec?.containers ?? []).reduce((n, c) => n + of(c.resources?.requests, resource), 0);
    const init = Math.max(0, ...(pod.spec?.initContainers ?? []).map((c) => of(c.resources?.requests, resource)));
    sum[resource] = Math.max(containers, init) + of(pod.spec?.overhead, resource);
  }
  return sum;
}

function add(total: Amounts, amounts: Amounts, sign: 1 | -1): void {
  for (const resource of RESOURCES) total[resource] += sign * amounts[resource];
}

/** `cpu 1.25, memory 1.5Gi, pods 9`. */
export function describeAmounts(amounts: Amounts): string {
  const gi = amounts.memory / 2 ** 30;
  const memory = gi >= 1 ? `${round(gi)}Gi` : `${round(amounts.memory / 2 ** 20)}Mi`;
  return `cpu ${round(amounts.cpu)}, memory ${memory}, pods ${Math.round(amounts.pods)}`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
