// src/kube/lease.ts against the sandbox's API server: of two claimants racing for one Lease, exactly
// one wins, whether they race to create it or to update a free one (409 on the loser's write, then
// a fresh read that names the winner); renewing and releasing are conditional on the Lease being
// as last seen. Also how long a refusal takes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import {
  acquireLease,
  type AcquireResult,
  type LeaseClaim,
  leaseHeld,
  readLease,
  releaseLease,
  renewLease,
} from '../../src/kube/lease.ts';
import { apiRequest } from '../../src/kube/objects.ts';
import { admin, testNamespace } from '../support/sandbox.ts';

const namespace = await testNamespace('lease');
const never = () => false;

function claim(name: string, who: string): LeaseClaim {
  return {
    namespace,
    name,
    holderIdentity: who,
    durationMs: 30_000,
    annotations: { 'test/holder': who },
    labels: { 'test/lease': 'true' },
  };
}

const winners = (results: AcquireResult[]) => results.filter((r) => r.acquired).length;

describe('a Lease as a lock', () => {
  after(async () => {
    await apiRequest(admin, 'DELETE', `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`).catch(
      () => undefined,
    );
  });

  test('two claimants racing: exactly one wins, every round, and the loser is told who did', async () => {
    for (let round = 0; round < 10; round++) {
      const name = `race-${randomBytes(3).toString('hex')}`;
      // Round one of each name races to create; then the winner releases and they race to update.
      for (const phase of ['create', 'update']) {
        const results = await Promise.all(['a', 'b'].map((who) => acquireLease(admin, claim(name, who), never)));
        assert.equal(winners(results), 1, `${phase} round ${round}`);
        const won = results.find((r) => r.acquired);
        const lost = results.find((r) => !r.acquired);
        assert.equal(lost?.lease.spec.holderIdentity, won?.lease.spec.holderIdentity);
        if (won) {
          const keys = Object.keys(won.lease.metadata.annotations ?? {});
          assert.equal(await releaseLease(admin, won.lease, keys), true);
        }
      }
    }
  });

  test('a renewal or release from a Lease read before someone else wrote it is refused (409)', async () => {
    const name = `stale-${randomBytes(3).toString('hex')}`;
    const first = await acquireLease(admin, claim(name, 'a'), never);
    assert.ok(first.acquired);
    const renewed = await renewLease(admin, first.lease);
    assert.notEqual(renewed.metadata.resourceVersion, first.lease.metadata.resourceVersion);
    assert.equal(leaseHeld(renewed, Date.now()), true);
    // The first read is stale now: its write must fail rather than undo the renewal.
    await assert.rejects(renewLease(admin, first.lease), (error: { code?: number }) => error.code === 409);
    assert.equal(await releaseLease(admin, first.lease, ['test/holder']), false);
    assert.equal((await readLease(admin, namespace, name))?.spec.holderIdentity, 'a');
    // Displacing a live holder takes the caller's consent, and counts as a transition.
    const taken = await acquireLease(admin, claim(name, 'b'), () => true);
    assert.ok(taken.acquired);
    assert.equal(taken.previous?.spec.holderIdentity, 'a');
    assert.equal(taken.lease.spec.leaseTransitions, 1);
    assert.equal(taken.lease.metadata.annotations?.['test/holder'], 'b');
    assert.equal(await releaseLease(admin, taken.lease, ['test/holder']), true);
    const free = await readLease(admin, namespace, name);
    assert.equal(free?.spec.holderIdentity, undefined);
    assert.equal(free?.metadata.annotations?.['test/holder'], undefined);
  });

  test('a refusal takes a single read', async () => {
    const name = `held-${randomBytes(3).toString('hex')}`;
    assert.ok((await acquireLease(admin, claim(name, 'a'), never)).acquired);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const result = await acquireLease(admin, claim(name, 'b'), never);
      times.push(performance.now() - started);
      assert.equal(result.acquired, false);
    }
    times.sort((x, y) => x - y);
    const median = times[10] ?? 0;
    console.log(`# refusal of a held Lease: median ${median.toFixed(1)} ms, max ${(times.at(-1) ?? 0).toFixed(1)} ms`);
    assert.ok(median < 1000, `median ${median} ms`);
  });
});
