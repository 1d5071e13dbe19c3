// The run lock's pure logic: its name, a Lease's expiry, what a claim writes, the keeper's verdicts
// on a clock of its own (renewals that fail for a whole duration, a lock taken over), and the
// guard that refuses a run's changes once its lock is lost. Against the sandbox: test/cli/lock.test.ts
// and test/sandbox/lease.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { defineAction } from '../../src/actions/action.ts';
import type { RunEvent } from '../../src/engine/events.ts';
import { automaticInteraction } from '../../src/engine/interaction.ts';
import {
  describeHolder,
  guardJournal,
  guardUndo,
  holderOf,
  type KeeperWorld,
  LOCK_DURATION_MS,
  LockKeeper,
  lockName,
  type Renewal,
} from '../../src/engine/run-lock.ts';
import { runRunbook } from '../../src/engine/runner.ts';
import type { StepPhase } from '../../src/engine/events.ts';
import type { Cluster, Clusters } from '../../src/kube/cluster.ts';
import { claimedLease, type Lease, leaseExpiresAt, leaseHeld, microTime } from '../../src/kube/lease.ts';

function lease(spec: Lease['spec'], annotations: Record<string, string> = {}): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'drill-x', namespace: 'kubectl-drill', resourceVersion: '7', annotations },
    spec,
  };
}

describe('lock names', () => {
  test('one per runbook, and per region where the runbook has a region param', () => {
    assert.equal(
      lockName('evacuate-region', { region: 'eu-west', namespace: 'shop' }),
      'drill-evacuate-region.eu-west',
    );
    assert.equal(lockName('restore-orders', { namespace: 'shop' }), 'drill-restore-orders');
    assert.equal(lockName('restore-orders', { region: '' }), 'drill-restore-orders');
  });

  test('the dot keeps runbook and region apart: no two runbooks share a lock by accident', () => {
    assert.notEqual(lockName('evacuate', { region: 'region-eu' }), lockName('evacuate-region', { region: 'eu' }));
  });

  test('any region text makes a valid Lease name (a DNS subdomain of at most 253)', () => {
    const dnsSubdomain = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
    for (const region of ['EU West', 'eu_west/1', '***', 'x'.repeat(400), `${'a-'.repeat(200)}b`]) {
      const name = lockName('r'.repeat(63), { region });
      assert.match(name, dnsSubdomain, region);
      assert.ok(name.length <= 253, `${name.length} for ${region.slice(0, 10)}`);
    }
    assert.equal(lockName('r', { region: 'EU West' }), 'drill-r.eu-west');
    // Long regions that differ only at their end still get locks of their own.
    assert.notEqual(lockName('r', { region: `${'x'.repeat(300)}1` }), lockName('r', { region: `${'x'.repeat(300)}2` }));
  });
});

describe('a Lease expires a duration after its last renewal', () => {
  const renewed = Date.parse('2026-11-28T10:00:00Z');

  test('held until renewTime + leaseDurationSeconds, free from then on', () => {
    const held = lease({
      holderIdentity: 'a@h/run',
      renewTime: '2026-11-28T10:00:00.000000Z',
      leaseDurationSeconds: 30,
    });
    assert.equal(leaseExpiresAt(held), renewed + 30_000);
    assert.equal(leaseHeld(held, renewed + 29_999), true);
    assert.equal(leaseHeld(held, renewed + 30_000), false);
  });

  test('a released Lease (no holder) is free at once; one never renewed counts from its acquireTime', () => {
    assert.equal(leaseHeld(lease({ renewTime: '2026-11-28T10:00:00Z', leaseDurationSeconds: 30 }), renewed), false);
    const acquired = lease({ holderIdentity: 'a', acquireTime: '2026-11-28T10:00:00Z', leaseDurationSeconds: 30 });
    assert.equal(leaseHeld(acquired, renewed + 10_000), true);
  });

  test('MicroTime has the six fractional digits the API server requires', () => {
    assert.equal(microTime(new Date('2026-11-28T10:00:00.123Z')), '2026-11-28T10:00:00.123000Z');
  });
});

describe('claiming a Lease', () => {
  const claim = {
    namespace: 'kubectl-drill',
    name: 'drill-x',
    holderIdentity: 'me@here/run-2',
    durationMs: 30_000,
    annotations: { 'drill.dev/run-id': 'run-2' },
    labels: { 'app.kubernetes.io/managed-by': 'kubectl-drill' },
  };
  const now = new Date('2026-11-28T10:00:00Z');

  test('keeps the resourceVersion read, so the update fails if anyone wrote since', () => {
    const wanted = claimedLease(lease({ holderIdentity: 'old@there/run-1', leaseTransitions: 2 }), claim, now);
    assert.equal(wanted.metadata.resourceVersion, '7');
    assert.equal(wanted.spec.holderIdentity, 'me@here/run-2');
    assert.equal(wanted.spec.leaseDurationSeconds, 30);
    assert.equal(wanted.spec.acquireTime, '2026-11-28T10:00:00.000000Z');
    assert.equal(wanted.spec.renewTime, wanted.spec.acquireTime);
    assert.equal(wanted.spec.leaseTransitions, 3, 'the lock changed hands');
    assert.equal(wanted.metadata.annotations?.['drill.dev/run-id'], 'run-2');
  });

  test('a new Lease starts at zero transitions; the same holder taking it again adds none', () => {
    assert.equal(claimedLease(undefined, claim, now).spec.leaseTransitions, 0);
    assert.equal(claimedLease(undefined, claim, now).metadata.resourceVersion, undefined);
    const again = claimedLease(lease({ holderIdentity: 'me@here/run-2', leaseTransitions: 4 }), claim, now);
    assert.equal(again.spec.leaseTransitions, 4);
  });

  test('the holder is named from its annotations, or its holderIdentity when someone wrote it by hand', () => {
    const annotated = lease(
      { holderIdentity: 'alice@laptop/run-1', renewTime: '2026-11-28T10:00:00Z', leaseDurationSeconds: 30 },
      {
        'drill.dev/run-id': 'run-1',
        'drill.dev/user': 'alice',
        'drill.dev/host': 'laptop',
        'drill.dev/since': '2026-11-28T09:58:00Z',
      },
    );
    assert.equal(
      describeHolder(annotated, Date.parse('2026-11-28T10:00:04Z')),
      'alice from host laptop, run run-1, since 2026-11-28T09:58:00Z, last renewed 4.0s ago',
    );
    assert.deepEqual(holderOf(lease({ holderIdentity: 'someone', acquireTime: 'T' })), {
      identity: 'someone',
      runId: undefined,
      user: undefined,
      host: undefined,
      since: 'T',
    });
  });
});

/** A keeper on a clock of the test's: each renewal answers from `script` (a function may look around first). */
function keeperWith(script: (Renewal | ((keeper: LockKeeper) => Renewal))[]) {
  let now = 0;
  const said: string[] = [];
  const { promise: exhausted, resolve: onExhausted } = Promise.withResolvers<undefined>();
  const world: KeeperWorld = {
    now: () => now,
    sleep: (ms, signal) => {
      if (signal.aborted) return Promise.reject(new Error('stopped'));
      now += ms;
      return Promise.resolve();
    },
    renew: () => {
      const next = script.shift();
      if (next === undefined) {
        onExhausted(undefined);
        return new Promise<Renewal>(() => undefined);
      }
      return Promise.resolve(typeof next === 'function' ? next(keeper) : next);
    },
    say: (message) => said.push(message),
  };
  const keeper = new LockKeeper(world, 'the lock', 0);
  return { keeper, said, exhausted, now: () => now };
}

const failed: Renewal = { outcome: 'failed', error: 'connection refused' };

describe('keeping the lock', () => {
  test('renewals failing for a whole duration lose it: the steps change nothing more, even once it is renewed again', async () => {
    const checks: string[] = [];
    const { keeper, said, exhausted, now } = keeperWith([
      // Renewals at 10s, then every 2s after a failure: 10, 12, ..., 28 fail (still held) ...
      ...Array.from({ length: 10 }, () => failed),
      (k) => {
        checks.push(`at 30s before the renewal: steps ${k.refusal('steps') ? 'refused' : 'allowed'}`);
        return failed;
      },
      // ... then at 32s it is renewed again: nobody took it meanwhile.
      { outcome: 'renewed' },
    ]);
    keeper.start();
    await exhausted;
    assert.equal(now(), 42_000, 'renewed every 10s again after the recovery');
    assert.deepEqual(checks, ['at 30s before the renewal: steps refused']);
    assert.equal(said.length, 3, said.join('\n'));
    assert.match(said[0] ?? '', /^the lock could not be renewed \(connection refused\); retrying every 2s$/);
    assert.match(
      said[1] ?? '',
      /^the lock has not been renewed for 30\.0s \(it lasts 30s\): another run may have taken it: the run makes no further change/,
    );
    assert.equal(said[2], 'the lock renewed again');
    assert.match(keeper.refusal('steps') ?? '', /has not been renewed for 30\.0s/, 'steps stay stopped');
    assert.equal(keeper.refusal('rollback'), undefined, 'the rollback may go ahead: the lock is held again');
    assert.equal(keeper.held(), true);
  });

  test('renewals failing for less than a duration keep it', async () => {
    const { keeper, said, exhausted } = keeperWith([failed, failed, failed, { outcome: 'renewed' }]);
    keeper.start();
    await exhausted;
    assert.equal(keeper.refusal('steps'), undefined);
    assert.deepEqual(said, [
      'the lock could not be renewed (connection refused); retrying every 2s',
      'the lock renewed again',
    ]);
  });

  test('a lock taken over is lost at once, for the rollback too, and the keeper stops renewing', async () => {
    const { keeper, said } = keeperWith([{ outcome: 'renewed' }, { outcome: 'taken', by: 'bob from host b, run r2' }]);
    keeper.start();
    for (let turn = 0; turn < 1000 && keeper.takenBy === undefined; turn++) await new Promise(setImmediate);
    await keeper.stop();
    assert.equal(keeper.takenBy, 'bob from host b, run r2');
    assert.match(keeper.refusal('steps') ?? '', /^the lock was taken over by bob from host b, run r2$/);
    assert.match(keeper.refusal('rollback') ?? '', /taken over by bob/);
    assert.equal(said.length, 1);
  });

  test('the verdict reads the clock: a keeper that fell behind (a process stopped for a while) does not look held', () => {
    let now = 0;
    const keeper = new LockKeeper(
      {
        now: () => now,
        sleep: () => new Promise(() => undefined),
        renew: () => new Promise(() => undefined),
        say: () => undefined,
      },
      'the lock',
      0,
    );
    now = LOCK_DURATION_MS - 1;
    assert.equal(keeper.refusal('steps'), undefined);
    now = LOCK_DURATION_MS;
    assert.match(keeper.refusal('steps') ?? '', /has not been renewed/);
  });
});

describe('a run whose lock is lost', () => {
  const change = defineAction({
    name: 'fake.change',
    summary: 'records a change',
    mutating: true,
    input: Type.Object({ name: Type.String() }),
    outputs: {},
    execute: (input, context) => {
      context.record({
        type: 'fields',
        object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'x', name: input.name },
        fields: [{ path: '/data/v', before: 'old', after: 'new' }],
      });
      return Promise.resolve({ outputs: {} });
    },
  });

  async function run(rollbackHeld: boolean) {
    let lost = false;
    const keeper = {
      refusal: (phase: StepPhase) =>
        !lost ? undefined : phase === 'steps' || !rollbackHeld ? 'the lock was taken over by bob' : undefined,
    };
    const journal: RunEvent[] = [];
    const undone: string[] = [];
    const result = await runRunbook({
      runId: 'run-1',
      runbook: {
        apiVersion: 'drill/v1',
        kind: 'Runbook',
        metadata: { name: 'fake' },
        spec: { steps: ['a', 'b', 'c'].map((id) => ({ id, action: 'fake.change', with: { name: id } })) },
      },
      file: '/tmp/fake.yaml',
      runbookSha256: 'f'.repeat(64),
      params: {},
      clusters: { get: () => Promise.resolve({ context: 'fake' } as Cluster) } as unknown as Clusters,
      interaction: automaticInteraction,
      journal: guardJournal((event) => journal.push(event), keeper),
      handlers: [
        (event) => {
          if (event.type === 'step.finished' && event.step === 'a') lost = true;
        },
      ],
      signal: new AbortController().signal,
      actions: (name) => (name === change.name ? change : undefined),
      undo: guardUndo((record) => {
        undone.push(record.step);
        return Promise.resolve({ result: 'restored', lines: [] });
      }, keeper),
    });
    return { result, journal, undone };
  }

  test('its next change is refused before it is made; the rollback is refused too while another holds the lock', async () => {
    const { result, journal, undone } = await run(false);
    assert.equal(result.status, 'failed');
    const b = journal.find((e) => e.type === 'step.finished' && e.step === 'b');
    assert.match(b?.type === 'step.finished' ? (b.error ?? '') : '', /taken over by bob: this change was not made/);
    assert.ok(!journal.some((e) => e.type === 'undo.recorded' && e.step === 'b'), 'no record, so no change');
    assert.ok(!journal.some((e) => e.type === 'step.started' && e.step === 'c'));
    assert.equal(result.rollback, 'failed');
    assert.deepEqual(undone, []);
    const undo = journal.find((e) => e.type === 'undo.finished');
    assert.match(undo?.type === 'undo.finished' ? undo.lines.join() : '', /not undone: .*kubectl drill rollback/);
  });

  test('a rollback that holds the lock again undoes what the run changed', async () => {
    const { result, undone } = await run(true);
    assert.equal(result.status, 'failed');
    assert.equal(result.rollback, 'succeeded');
    assert.deepEqual(undone, ['a']);
  });
});
