// Holding evictions back until their PodDisruptionBudget has room, instead of sending them to be
// refused. The apiserver answers an eviction its budget cannot take with a 429, which kubectl
// retries 5 s later; a drain that fires every eviction at once pays that for each pod held back.
// So a drain asks this gate first. It follows every budget through one watch and lets a pod's
// eviction go when the pod's budget, as last seen, allows a disruption that no eviction of ours has
// spoken for yet: those in flight, and those accepted whose decrement the watch has not shown yet
// (a budget's status names each pod it was decremented for in disruptedPods). As many as a budget
// allows go at once: they conflict on its status (the apiserver retries those 500 ms apart), yet
// one at a time was slower in every run of bench/drain.ts. A pod the apiserver would not count
// against its budget (not Running and Ready, already being deleted) or that more than one budget
// covers (the apiserver refuses it whatever we do) goes at once. After a refusal, a pod waits for
// its budget to change. The watch decides nothing for certain: a pod whose budget says nothing for
// `fallbackMs` is sent anyway, as kubectl retries every 5 s.
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { Cluster } from './cluster.ts';
import { selectorMatches } from './selectors.ts';
import { watchUntil } from './watch.ts';

/** The budgets that cover a pod: its namespace's whose selector matches its labels. */
export function budgetsCovering(pod: V1Pod, budgets: Iterable<V1PodDisruptionBudget>): V1PodDisruptionBudget[] {
  return [...budgets].filter(
    (b) => b.metadata?.namespace === pod.metadata?.namespace && selectorMatches(b.spec?.selector, pod.metadata?.labels),
  );
}

/** Whether the apiserver checks this pod's eviction against its budget at all (eviction.go canIgnorePDB, and its not-Ready path). */
export function countsAgainstBudget(pod: V1Pod): boolean {
  return (
    pod.status?.phase === 'Running' &&
    !pod.metadata?.deletionTimestamp &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** One eviction let through: say how it ended, so the gate counts it right. */
export interface Pass {
  /** The pod's budget and its resourceVersion when the eviction was sent: a refused pod waits for another. */
  mark: string;
  /** Let through at the fallback, without the budget having room as last seen. */
  fallback: boolean;
  accepted(): void;
  /** Refused or failed: the budget's room is given back. */
  released(): void;
}

export interface AdmitOptions {
  signal: AbortSignal;
  /** Send anyway after this long without the budget allowing it. */
  fallbackMs: number;
  /** The pass's mark when this pod was last refused: it waits for its budget to change. */
  refusedAt?: string;
  /** Called once when the pod has to wait for room, with the budget and why, as a refusal would say. */
  blocked: (budget: V1PodDisruptionBudget, why: string) => void;
}

interface Budget {
  object: V1PodDisruptionBudget;
  /** Pods whose eviction is sent and not answered; `true` once the watch showed its decrement. */
  inFlight: Map<string, boolean>;
  /** Pods whose eviction was accepted before the watch showed its decrement. */
  unseen: Set<string>;
}

export class BudgetGate {
  readonly #budgets = new Map<string, Budget>();
  /** Aborted once the budgets are known (or the watch gave up): admissions wait for it. */
  readonly #ready = new AbortController();
  /** The pods waiting, each woken (in the order they came) to look again when anything changes. */
  readonly #waiters = new Set<AbortController>();

  /** The budgets as last seen. */
  budgets(): V1PodDisruptionBudget[] {
    return [...this.#budgets.values()].map((b) => b.object);
  }

  /** Takes in every budget as the watch now sees them, and wakes the pods waiting on one that changed. */
  observe(objects: readonly V1PodDisruptionBudget[]): void {
    const present = new Set<string>();
    let changed = false;
    for (const object of objects) {
      const key = keyOf(object);
      present.add(key);
      const budget = this.#budgets.get(key);
      if (!budget) {
        this.#budgets.set(key, { object, inFlight: new Map(), unseen: new Set() });
        changed = true;
        continue;
      }
      if (budget.object.metadata?.resourceVersion === object.metadata?.resourceVersion) continue;
      budget.object = object;
      const disrupted = Object.keys(object.status?.disruptedPods ?? {});
      for (const pod of disrupted) {
        budget.unseen.delete(pod);
        if (budget.inFlight.has(pod)) budget.inFlight.set(pod, true);
      }
      changed = true;
    }
    for (const key of this.#budgets.keys()) {
      if (present.has(key)) continue;
      this.#budgets.delete(key);
      changed = true;
    }
    if (changed) this.#wake();
    this.#ready.abort();
  }

  /** The watch could not start: every pod goes at once, and refused ones wait out `fallbackMs`. */
  giveUp(): void {
    this.#ready.abort();
  }

  /** Disruptions the budget allows that no eviction of ours has spoken for. */
  room(key: string): number {
    const budget = this.#budgets.get(key);
    if (!budget) return 0;
    const status = budget.object.status;
    // Until the disruption controller has seen the budget's latest spec, the apiserver refuses all.
    if ((status?.observedGeneration ?? 0) < (budget.object.metadata?.generation ?? 0)) return 0;
    return (status?.disruptionsAllowed ?? 0) - budget.inFlight.size - budget.unseen.size;
  }

  /** Resolves when this pod's eviction may be sent; throws the signal's reason if it aborts first. */
  async admit(pod: V1Pod, options: AdmitOptions): Promise<Pass> {
    const deadline = Date.now() + options.fallbackMs;
    await pause(deadline, options.signal, this.#ready.signal);
    const counted = countsAgainstBudget(pod);
    let said = false;
    for (;;) {
      const covering = budgetsCovering(pod, this.budgets());
      const key = covering.length === 1 ? keyOf(covering[0] as V1PodDisruptionBudget) : undefined;
      const budget = key === undefined ? undefined : this.#budgets.get(key);
      const mark = markOf(budget);
      const fresh = options.refusedAt === undefined || options.refusedAt !== mark;
      const room = !budget || !counted || this.room(key ?? '') > 0;
      if (Date.now() >= deadline || (fresh && room)) {
        const fallback = !(fresh && room);
        if (!budget || !counted) return { mark, fallback, accepted: () => undefined, released: () => undefined };
        return this.#take(budget, mark, fallback, pod.metadata?.name ?? '');
      }
      if (!said && fresh && budget) {
        said = true;
        options.blocked(budget.object, this.#refusal(budget));
      }
      const woken = new AbortController();
      this.#waiters.add(woken);
      try {
        await pause(deadline, options.signal, woken.signal);
      } finally {
        this.#waiters.delete(woken);
      }
    }
  }

  /**
   * Why a budget holds a pod back: while the budget allows nothing, the apiserver's own words for
   * the 429 it would answer (eviction.go), so that a drain ending on it reads as kubectl's does.
   */
  #refusal(budget: Budget): string {
    const { object } = budget;
    const name = object.metadata?.name;
    const status = object.status;
    const refused = `Cannot evict pod as it would violate the pod's disruption budget. (429, PodDisruptionBudget ${name}: `;
    if ((status?.observedGeneration ?? 0) < (object.metadata?.generation ?? 0)) {
      return `${refused}The disruption budget ${name} is still being processed by the server.)`;
    }
    const allowed = status?.disruptionsAllowed ?? 0;
    if (allowed <= 0) {
      return `${refused}The disruption budget ${name} needs ${status?.desiredHealthy ?? 0} healthy pods and has ${status?.currentHealthy ?? 0} currently)`;
    }
    const ours = budget.inFlight.size + budget.unseen.size;
    return `waiting for PodDisruptionBudget ${name}: it allows ${allowed} disruptions, ${ours} taken by evictions under way`;
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter.abort();
  }

  #take(budget: Budget, mark: string, fallback: boolean, pod: string): Pass {
    budget.inFlight.set(pod, false);
    let settled = false;
    const settle = (accepted: boolean): void => {
      if (settled) return;
      settled = true;
      const seen = budget.inFlight.get(pod);
      budget.inFlight.delete(pod);
      if (accepted && !seen) budget.unseen.add(pod);
      this.#wake();
    };
    return {
      mark,
      fallback,
      accepted: () => settle(true),
      released: () => settle(false),
    };
  }
}

/**
 * A gate fed by a watch of every PodDisruptionBudget, until `signal` aborts. A watch that cannot
 * start opens the gate (`failed` says why): evictions then go as the apiserver lets them.
 */
export function watchBudgets(cluster: Cluster, signal: AbortSignal, failed: (error: unknown) => void): BudgetGate {
  const gate = new BudgetGate();
  watchUntil<V1PodDisruptionBudget, never>(
    cluster,
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
    (budgets) => {
      gate.observe(budgets);
      return undefined;
    },
    signal,
  ).catch((error: unknown) => {
    if (signal.aborted) return;
    failed(error);
    gate.giveUp();
  });
  return gate;
}

/** Waits until `deadline` or until `wake` aborts, whichever is first; throws the reason if `signal` aborts. */
async function pause(deadline: number, signal: AbortSignal, wake: AbortSignal): Promise<void> {
  if (wake.aborted) return;
  try {
    await sleep(Math.max(0, deadline - Date.now()), undefined, { signal: AbortSignal.any([signal, wake]) });
  } catch (error) {
    signal.throwIfAborted();
    // Not ours: the abort was `wake`'s.
    if ((error as Error | null)?.name !== 'AbortError') throw error;
  }
}

function keyOf(budget: V1PodDisruptionBudget): string {
  return `${budget.metadata?.namespace}/${budget.metadata?.name}`;
}

/** A pod's budget as it stands: which one, and which version of it (none: no single budget). */
function markOf(budget: Budget | undefined): string {
  return budget ? `${keyOf(budget.object)}@${budget.object.metadata?.resourceVersion}` : 'none';
}
