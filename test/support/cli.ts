// What the CLI tests share: the binary run as a user runs it, its journals read back, and the
// demo shop's state that drills change (cordoned nodes, route weights), put back after each test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { RunEvent } from '../../src/engine/events.ts';
import { repoRoot } from './paths.ts';
import { admin, core, policy, waitFor } from './sandbox.ts';

export const cli = `${repoRoot}bin/kubectl-drill`;

/** The events of a run folder's journal; a line cut by a kill is left out. */
export function journal(dir: string): RunEvent[] {
  return readFileSync(join(dir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as RunEvent);
}

export async function cordonedNodes(): Promise<string[]> {
  return (await core.listNode()).items.filter((n) => n.spec?.unschedulable).map((n) => n.metadata?.name ?? '');
}

export async function setCordoned(name: string, unschedulable: boolean): Promise<void> {
  await core.patchNode(
    { name, body: { spec: { unschedulable } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}

/** A test that fails half-way must not leave nodes cordoned for the next one. */
export async function uncordonAll(): Promise<void> {
  for (const name of await cordonedNodes()) await setCordoned(name, false);
}

interface HttpRoute {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { rules: { backendRefs: { weight?: number }[] }[] };
}

/** The weights of the demo's HTTPRoute shop/storefront, in order (unset counts as 1). */
export async function routeWeights(): Promise<number[]> {
  const route = await admin.objects.read<HttpRoute>({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'storefront', namespace: 'shop' },
  });
  return route.spec.rules.flatMap((rule) => rule.backendRefs.map((ref) => ref.weight ?? 1));
}

/**
 * Waits until every budget of the demo shop allows a disruption, as its status says: a drain that
 * starts while the disruption controller is still catching up with the last test's changes would
 * wait on it, and measure the sandbox rather than the drill.
 */
export async function shopSettled(): Promise<void> {
  await waitFor(
    "the shop's disruption budgets to allow a disruption",
    async () => {
      const budgets = (await policy.listNamespacedPodDisruptionBudget({ namespace: 'shop' })).items;
      return budgets.every(
        (b) => (b.status?.disruptionsAllowed ?? 0) >= 1 && b.status?.observedGeneration === b.metadata?.generation,
      );
    },
    180_000,
  );
}
