// The budget gate's accounting, fed budgets by hand as its watch would: which evictions it lets go
// at once, which it holds, and what wakes them. Against the sandbox: test/actions/drain-budgets.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { BudgetGate } from '../../src/kube/budget-gate.ts';

function pod(name: string, extra: { ready?: boolean; app?: string } = {}): V1Pod {
  return {
    metadata: { name, namespace: 'ns', labels: { app: extra.app ?? 'web' } },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
  };
}

let version = 0;
function budget(allowed: number, disrupted: string[] = [], extra: { generation?: number } = {}): V1PodDisruptionBudget {
  version += 1;
  return {
    metadata: { name: 'web', namespace: 'ns', resourceVersion: String(version), generation: extra.generation ?? 1 },
    spec: { selector: { matchLabels: { app: 'web' } } },
    status: {
      disruptionsAllowed: allowed,
      currentHealthy: 3,
      desiredHealthy: 3 - allowed,
      expectedPods: 3,
      observedGeneration: 1,
      disruptedPods: Object.fromEntries(disrupted.map((p) => [p, new Date()])),
    },
  };
}

/** Admits a pod, logging when it is let through and when it is held back. */
function admit(gate: BudgetGate, p: V1Pod, log: string[], extra: { refusedAt?: string; signal?: AbortSignal } = {}) {
  return gate
    .admit(p, {
      signal: extra.signal ?? new AbortController().signal,
      fallbackMs: 60_000,
      refusedAt: extra.refusedAt,
      blocked: (_budget, why) => log.push(`${p.metadata?.name} blocked: ${why}`),
    })
    .then((pass) => {
      log.push(`${p.metadata?.name} sent`);
      return pass;
    });
}

/** Lets every promise callback queued so far run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BudgetGate', () => {
  test('sends as many evictions of a budget at once as it allows, and wakes on the watch', async () => {
    const gate = new BudgetGate();
    const log: string[] = [];
    gate.observe([budget(2)]);
    const a = await admit(gate, pod('a'), log);
    const b = await admit(gate, pod('b'), log);
    const c = admit(gate, pod('c'), log);
    await settle();
    assert.deepEqual(log, [
      'a sent',
      'b sent',
      'c blocked: waiting for PodDisruptionBudget web: it allows 2 disruptions, 2 taken by evictions under way',
    ]);
    a.accepted();
    b.released();
    // b's refusal gave its room back; a's decrement, not yet seen, still holds one.
    const sent = await c;
    assert.equal(log.at(-1), 'c sent');
    const d = admit(gate, pod('d'), log);
    await settle();
    assert.equal(log.at(-1)?.startsWith('d blocked'), true);
    gate.observe([budget(0, ['a', 'c'])]);
    // The watch showed c's decrement while it was in flight: accepted, it is not counted again.
    sent.accepted();
    await settle();
    assert.equal(log.includes('d sent'), false, 'the watch shows the budget used up');
    gate.observe([budget(1)]);
    assert.equal((await d).fallback, false);
    assert.equal(log.at(-1), 'd sent');
  });

  test('a budget allowing nothing holds the pod with the words of the 429 it would get', async () => {
    const gate = new BudgetGate();
    const log: string[] = [];
    gate.observe([budget(0)]);
    const a = admit(gate, pod('a'), log);
    await settle();
    assert.deepEqual(log, [
      "a blocked: Cannot evict pod as it would violate the pod's disruption budget. (429, PodDisruptionBudget web: The disruption budget web needs 3 healthy pods and has 3 currently)",
    ]);
    gate.observe([budget(1)]);
    await a;
    assert.equal(log.at(-1), 'a sent');
  });

  test('a budget the disruption controller has not caught up with holds every pod', async () => {
    const gate = new BudgetGate();
    const log: string[] = [];
    gate.observe([budget(1, [], { generation: 2 })]);
    const a = admit(gate, pod('a'), log);
    await settle();
    assert.match(log[0] ?? '', /The disruption budget web is still being processed by the server\.\)$/);
    gate.observe([budget(1)]);
    await a;
  });

  test('pods the budget does not count, or no budget covers, go at once; a deleted budget frees its pods', async () => {
    const gate = new BudgetGate();
    const log: string[] = [];
    gate.observe([budget(0)]);
    await admit(gate, pod('unready', { ready: false }), log);
    await admit(gate, pod('other', { app: 'api' }), log);
    const held = admit(gate, pod('held'), log);
    await settle();
    assert.deepEqual(log.slice(0, 2), ['unready sent', 'other sent']);
    gate.observe([]);
    await held;
    assert.equal(log.at(-1), 'held sent');
  });

  test('a refused pod waits for its budget to change, even when it seemed to have room', async () => {
    const gate = new BudgetGate();
    const log: string[] = [];
    gate.observe([budget(1)]);
    const first = await admit(gate, pod('a'), log);
    first.released();
    const again = admit(gate, pod('a'), log, { refusedAt: first.mark });
    await settle();
    assert.deepEqual(log, ['a sent'], 'not sent again on the same view of the budget');
    gate.observe([budget(1)]);
    await again;
    assert.deepEqual(log, ['a sent', 'a sent']);
  });

  test('a budget that says nothing does not hold a pod past the fallback', async () => {
    const gate = new BudgetGate();
    gate.observe([budget(0)]);
    const blocked: string[] = [];
    const pass = await gate.admit(pod('a'), {
      signal: new AbortController().signal,
      fallbackMs: 20,
      blocked: (b) => blocked.push(b.metadata?.name ?? ''),
    });
    assert.deepEqual(blocked, ['web']);
    assert.equal(pass.fallback, true);
    assert.match(pass.mark, /^ns\/web@/);
  });

  test('an abort ends the wait with its reason', async () => {
    const gate = new BudgetGate();
    gate.observe([budget(0)]);
    const controller = new AbortController();
    const waiting = admit(gate, pod('a'), [], { signal: controller.signal });
    controller.abort(new Error('timed out'));
    await assert.rejects(waiting, /timed out/);
  });
});
