// One drill at a time (DESIGN.md section 3, issue 9): a run holds a Lease per runbook (and per value
// of its `region` param, if it has one) from before its first change until it has ended and rolled
// back, so a second run of the same drill is refused before it changes anything, naming the holder.
//
// Decided here (src/kube/lease.ts does the API's part):
// - Where: namespace `kubectl-drill` of the run's cluster, the same for every user whatever their
//   context's namespace (a lock each user looks for in a place of their own would lock nothing).
//   The namespace is created by the first run that needs it. Its name: `drill-<runbook>`, or
//   `drill-<runbook>.<region>` (the dot cannot occur in a runbook's name, so no two locks collide).
// - How long: LOCK_DURATION_MS, renewed every third of it, retried every fifteenth after a failure.
//   A holder that died (SIGKILL, a power cut) stops renewing; its lock is free once a duration has
//   passed since its last renewal.
// - Who may displace a live holder: a run taking back its own lock (`kubectl drill rollback` of the
//   same run id, from any machine), or anyone with --take-over-lock.
// - Losing it: a renewal refused because the Lease names another holder (taken over), or no renewal
//   for a whole duration (expired: another run may have taken it). From then on the run's steps make
//   no further change: the next one is refused before it is made (the step fails, saying why, and
//   the run stops and is rolled back per --rollback); a change already under way finishes. Rolling
//   back also needs the lock: an expired lock that nobody took is renewed again (its
//   resourceVersion is unchanged) and the rollback goes ahead; a lock another run holds refuses the
//   rollback's changes too, leaving them to `kubectl drill rollback RUN_ID` once that run is over.
import { hostname, userInfo } from 'node:os';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Permission } from '../kube/access.ts';
import type { Cluster } from '../kube/cluster.ts';
import { describeError, isConflict, isNotFound } from '../kube/errors.ts';
import type { EventSubject } from '../kube/events.ts';
import {
  acquireLease,
  type AcquireResult,
  type Lease,
  type LeaseClaim,
  leaseExpiresAt,
  readLease,
  releaseLease,
  renewLease,
} from '../kube/lease.ts';
import { formatDuration } from '../duration-text.ts';
import { formatElapsed } from '../report/format.ts';
import type { EventHandler, StepPhase } from './events.ts';
import type { Undo } from './runner.ts';

export const LOCK_NAMESPACE = 'kubectl-drill';
/** How long a run's lock outlives its last renewal. */
export const LOCK_DURATION_MS = 30_000;
const RENEW_EVERY_MS = LOCK_DURATION_MS / 3;
const RETRY_EVERY_MS = LOCK_DURATION_MS / 15;
/** One renewal request may take this long before it counts as failed. */
const REQUEST_TIMEOUT_MS = RENEW_EVERY_MS / 2;

const ANNOTATION = {
  runId: 'drill.dev/run-id',
  user: 'drill.dev/user',
  host: 'drill.dev/host',
  since: 'drill.dev/since',
} as const;

/** The longest Lease name (a DNS subdomain). */
const NAME_LIMIT = 253;

/** The lock of a runbook, per region when it has a `region` param. */
export function lockName(runbook: string, params: Readonly<Record<string, string>>): string {
  const region = params.region;
  const base = `drill-${runbook}`;
  if (region === undefined || region === '') return base;
  const fit = region
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const hash = createHash('sha256').update(region).digest('hex').slice(0, 10);
  const room = NAME_LIMIT - base.length - 1;
  // A region too long (or with nothing usable in it) still gets a lock of its own, named by its hash.
  const part = fit === '' ? hash : fit.length > room ? `${fit.slice(0, room - 11).replace(/-+$/, '')}-${hash}` : fit;
  return `${base}.${part}`;
}

/** What taking, renewing and releasing the lock needs, checked before the run with the rest. */
export function lockPermissions(): Permission[] {
  return ['get', 'create', 'update'].map((verb) => ({
    verb,
    group: 'coordination.k8s.io',
    resource: 'leases',
    namespace: LOCK_NAMESPACE,
  }));
}

/** This process, as the lock and the cluster's Events name it. */
export function whoAmI(): { user: string; host: string } {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // A container without a passwd entry for its uid.
    user = process.env.USER ?? `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return { user, host: hostname() };
}

export interface Holder {
  identity: string;
  runId?: string;
  user?: string;
  host?: string;
  since?: string;
}

/** Who holds a Lease, from its annotations; a Lease written by hand may have only holderIdentity. */
export function holderOf(lease: Lease): Holder {
  const annotations = lease.metadata.annotations ?? {};
  return {
    identity: lease.spec.holderIdentity ?? '',
    runId: annotations[ANNOTATION.runId],
    user: annotations[ANNOTATION.user],
    host: annotations[ANNOTATION.host],
    since: annotations[ANNOTATION.since] ?? lease.spec.acquireTime,
  };
}

/** `alice from host laptop, run X, since T, last renewed 4s ago`. */
export function describeHolder(lease: Lease, nowMs: number): string {
  const holder = holderOf(lease);
  const who = holder.user && holder.host ? `${holder.user} from host ${holder.host}` : `"${holder.identity}"`;
  const renewed = Date.parse(lease.spec.renewTime ?? '');
  const parts = [
    who,
    holder.runId ? `run ${holder.runId}` : undefined,
    holder.since ? `since ${holder.since}` : undefined,
    Number.isNaN(renewed) ? undefined : `last renewed ${formatElapsed(Math.max(0, nowMs - renewed))} ago`,
  ];
  return parts.filter(Boolean).join(', ');
}

/** A second run refused: another holds the lock. Nothing was changed. */
export class LockRefused extends Error {
  readonly details: string[];
  constructor(message: string, details: string[]) {
    super(message);
    this.details = details;
  }
}

export interface TakeLockOptions {
  runbook: string;
  params: Readonly<Record<string, string>>;
  runId: string;
  /** Displace whoever holds it (--take-over-lock). */
  takeOver: boolean;
  /** What is taking it, for messages: `kubectl drill rollback`, `run`. */
  purpose: string;
}

/** The outcome of one renewal, as the keeper judges it. */
export type Renewal = { outcome: 'renewed' } | { outcome: 'taken'; by: string } | { outcome: 'failed'; error: string };

/** What the keeper needs from the world; tests give it a clock and renewals of their own. */
export interface KeeperWorld {
  renew: () => Promise<Renewal>;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Said in the run's stream (journaled as run.progress). */
  say: (message: string) => void;
}

/**
 * Keeps a lock: renews it, and judges whether the run may still change anything. Its verdicts read
 * the clock when asked, so a renewal loop that fell behind cannot make a lost lock look held.
 */
export class LockKeeper {
  readonly #world: KeeperWorld;
  readonly #what: string;
  #renewedAt: number;
  /** Set once the lock was lost: the run's steps make no further change. */
  #lost: string | undefined;
  #takenBy: string | undefined;
  #failing = false;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(world: KeeperWorld, what: string, renewedAt: number) {
    this.#world = world;
    this.#what = what;
    this.#renewedAt = renewedAt;
  }

  start(): void {
    this.#loop ??= this.#keep();
  }

  /** Whether the lock is ours now: not taken, and renewed less than a duration ago. */
  held(): boolean {
    return this.#takenBy === undefined && this.#world.now() - this.#renewedAt < LOCK_DURATION_MS;
  }

  /** Why a change must not be made, or undefined if it may. Steps stop for good once the lock was lost. */
  refusal(phase: StepPhase): string | undefined {
    if (!this.held()) this.#loseOnce(this.#whyNotHeld());
    if (phase === 'steps') return this.#lost;
    return this.held() ? undefined : this.#whyNotHeld();
  }

  /** Whether the lock was taken by another (so it is not ours to release). */
  get takenBy(): string | undefined {
    return this.#takenBy;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  #whyNotHeld(): string {
    if (this.#takenBy) return `${this.#what} was taken over by ${this.#takenBy}`;
    const since = formatElapsed(this.#world.now() - this.#renewedAt);
    return `${this.#what} has not been renewed for ${since} (it lasts ${formatDuration(LOCK_DURATION_MS)}): another run may have taken it`;
  }

  #loseOnce(why: string): void {
    if (this.#lost) return;
    this.#lost = why;
    this.#world.say(
      `${why}: the run makes no further change and stops; its rollback goes ahead only while it holds the lock`,
    );
  }

  async #keep(): Promise<void> {
    let wait = RENEW_EVERY_MS;
    while (this.#takenBy === undefined) {
      try {
        await this.#world.sleep(wait, this.#stop.signal);
      } catch {
        return;
      }
      const started = this.#world.now();
      const renewal = await this.#world.renew();
      if (renewal.outcome === 'renewed') {
        if (this.#failing) this.#world.say(`${this.#what} renewed again`);
        this.#failing = false;
        this.#renewedAt = started;
        wait = RENEW_EVERY_MS;
        continue;
      }
      if (renewal.outcome === 'taken') {
        this.#takenBy = renewal.by;
        this.#loseOnce(this.#whyNotHeld());
        return;
      }
      if (!this.#failing) {
        this.#world.say(
          `${this.#what} could not be renewed (${renewal.error}); retrying every ${formatDuration(RETRY_EVERY_MS)}`,
        );
      }
      this.#failing = true;
      if (!this.held()) this.#loseOnce(this.#whyNotHeld());
      wait = RETRY_EVERY_MS;
    }
  }
}

/**
 * The journal, refusing to store a change while the lock is not the run's: the runner journals every
 * change before making it, and a change the journal refuses is not made (the step fails, saying why).
 */
export function guardJournal(write: EventHandler, keeper: Pick<LockKeeper, 'refusal'>): EventHandler {
  return (event) => {
    if (event.type === 'undo.recorded') {
      const refusal = keeper.refusal(event.phase);
      if (refusal) throw new Error(`${refusal}: this change was not made`);
    }
    write(event);
  };
}

/** Undoing a change is a change too: refused while the lock is not the run's (the record stays pending). */
export function guardUndo(undo: Undo, keeper: Pick<LockKeeper, 'refusal'>): Undo {
  return (record, clusters) => {
    const refusal = keeper.refusal('rollback');
    if (refusal) {
      return Promise.reject(
        new Error(`not undone: ${refusal}; kubectl drill rollback undoes it once the lock is free`),
      );
    }
    return undo(record, clusters);
  };
}

/** A run's lock, taken: kept while the run lasts, and released after it. */
export class RunLock {
  readonly namespace = LOCK_NAMESPACE;
  readonly name: string;
  readonly #cluster: Cluster;
  readonly #claim: LeaseClaim;
  #lease: Lease;
  readonly #taken: string;
  readonly #keeper: LockKeeper;
  #say: (message: string) => void = () => undefined;

  private constructor(cluster: Cluster, claim: LeaseClaim, lease: Lease, taken: string) {
    this.name = claim.name;
    this.#cluster = cluster;
    this.#claim = claim;
    this.#lease = lease;
    this.#taken = taken;
    this.#keeper = new LockKeeper(
      {
        renew: () => this.#renew(),
        now: () => performance.now(),
        sleep: (ms, signal) => sleep(ms, undefined, { signal, ref: false }),
        say: (message) => {
          this.#say(message);
        },
      },
      `the run lock ${LOCK_NAMESPACE}/${claim.name}`,
      performance.now(),
    );
    this.#keeper.start();
  }

  /**
   * Takes the lock or refuses, before anything is changed. The namespace is created if it is missing
   * (the first drill on a cluster).
   */
  static async take(cluster: Cluster, options: TakeLockOptions): Promise<RunLock> {
    const { user, host } = whoAmI();
    const claim: LeaseClaim = {
      namespace: LOCK_NAMESPACE,
      name: lockName(options.runbook, options.params),
      holderIdentity: `${user}@${host}/${options.runId}`,
      durationMs: LOCK_DURATION_MS,
      annotations: {
        [ANNOTATION.runId]: options.runId,
        [ANNOTATION.user]: user,
        [ANNOTATION.host]: host,
        [ANNOTATION.since]: new Date().toISOString(),
      },
      labels: { 'app.kubernetes.io/managed-by': 'kubectl-drill', 'drill.dev/runbook': options.runbook },
    };
    const mayDisplace = (held: Lease): boolean => options.takeOver || holderOf(held).runId === options.runId;
    const signal = AbortSignal.timeout(LOCK_DURATION_MS);
    let result: AcquireResult;
    try {
      result = await acquireLease(cluster, claim, mayDisplace, signal);
    } catch (error) {
      if (!isNotFound(error)) throw lockError(error, claim);
      await createNamespace(cluster, claim);
      result = await acquireLease(cluster, claim, mayDisplace, signal).catch((again: unknown) => {
        throw lockError(again, claim);
      });
    }
    const now = Date.now();
    if (!result.acquired) throw refusal(result.lease, options, now);
    const previous = result.previous;
    let taken = `${options.purpose} holds the run lock ${LOCK_NAMESPACE}/${claim.name} as ${claim.holderIdentity}`;
    if (previous) {
      const expiresAt = leaseExpiresAt(previous) ?? 0;
      const how =
        holderOf(previous).runId === options.runId
          ? 'its own run'
          : expiresAt <= now
            ? 'a holder whose lock had expired'
            : 'a live holder (--take-over-lock)';
      taken += `, taken over from ${how}: ${describeHolder(previous, now)}`;
    }
    return new RunLock(cluster, claim, result.lease, taken);
  }

  /** The Lease, as the object the run's cluster Events are about when no other object is. */
  get subject(): EventSubject {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: LOCK_NAMESPACE,
      name: this.name,
      uid: this.#lease.metadata.uid,
    };
  }

  /** The run has started: from now on what the lock has to say goes into its stream. */
  started(say: (message: string) => void): void {
    this.#say = say;
    say(
      `${this.#taken} (a Lease of ${formatDuration(LOCK_DURATION_MS)}, renewed every ${formatDuration(RENEW_EVERY_MS)})`,
    );
  }

  /** The run's journal, guarded by the lock (guardJournal). */
  guardJournal(write: EventHandler): EventHandler {
    return guardJournal(write, this.#keeper);
  }

  /** Undoing a change, guarded by the lock (guardUndo). */
  guardUndo(undo: Undo): Undo {
    return guardUndo(undo, this.#keeper);
  }

  /**
   * Stops renewing and gives the lock up, unless another run has taken it. A release that fails is
   * said (the lock then expires a duration after its last renewal), never thrown.
   */
  async release(): Promise<void> {
    await this.#keeper.stop();
    if (this.#keeper.takenBy) return;
    const keys = Object.keys(this.#claim.annotations);
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    try {
      if (await releaseLease(this.#cluster, this.#lease, keys, signal)) return;
      // Written since our last renewal: a renewal whose answer was lost, or a label someone added.
      const current = await readLease(this.#cluster, this.namespace, this.name, signal);
      if (current?.spec.holderIdentity === this.#claim.holderIdentity) {
        await releaseLease(this.#cluster, current, keys, signal);
      }
    } catch (error) {
      this.#say(
        `the run lock ${this.namespace}/${this.name} could not be released (${describeError(error)}): ` +
          `it expires ${formatDuration(LOCK_DURATION_MS)} after its last renewal`,
      );
    }
  }

  async #renew(): Promise<Renewal> {
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    try {
      this.#lease = await renewLease(this.#cluster, this.#lease, signal);
      return { outcome: 'renewed' };
    } catch (error) {
      if (!isConflict(error) && !isNotFound(error)) return { outcome: 'failed', error: describeError(error) };
      const current = await readLease(this.#cluster, this.namespace, this.name, signal).catch(() => undefined);
      if (!current) return { outcome: 'taken', by: 'nobody: the Lease was deleted' };
      if (!current.spec.holderIdentity) return { outcome: 'taken', by: 'another run, which has released it since' };
      if (current.spec.holderIdentity !== this.#claim.holderIdentity) {
        return { outcome: 'taken', by: describeHolder(current, Date.now()) };
      }
      // Still ours, written by someone (a label, an annotation): renewed from what is there now.
      this.#lease = current;
      return { outcome: 'failed', error: 'the Lease was written by someone else meanwhile' };
    }
  }
}

function refusal(lease: Lease, options: TakeLockOptions, nowMs: number): LockRefused {
  const holder = holderOf(lease);
  const region = options.params.region ? ` (region ${options.params.region})` : '';
  const expiresIn = Math.max(0, (leaseExpiresAt(lease) ?? nowMs) - nowMs);
  const run = holder.runId ?? 'RUN_ID';
  return new LockRefused(
    `another drill of ${options.runbook}${region} holds its lock: ${describeHolder(lease, nowMs)}; nothing was changed`,
    [
      `Lease ${lease.metadata.namespace}/${lease.metadata.name}, holder ${holder.identity}, ` +
        `expires in ${formatElapsed(expiresIn)} unless renewed`,
      `wait for it to end; if it is dead, its lock expires ${formatDuration(LOCK_DURATION_MS)} after its last renewal, ` +
        `and kubectl drill rollback ${run} takes it over at once; --take-over-lock takes it over now ` +
        '(that run then makes no further change)',
    ],
  );
}

function lockError(error: unknown, claim: LeaseClaim): Error {
  return new Error(`the run lock ${claim.namespace}/${claim.name} could not be taken: ${describeError(error)}`);
}

/** The lock's namespace, on the first drill of a cluster; someone else creating it first is as good. */
async function createNamespace(cluster: Cluster, claim: LeaseClaim): Promise<void> {
  try {
    await cluster.core.createNamespace({
      body: { metadata: { name: claim.namespace, labels: { 'app.kubernetes.io/managed-by': 'kubectl-drill' } } },
    });
  } catch (error) {
    if (isConflict(error)) return;
    throw new LockRefused(
      `namespace ${claim.namespace}, where drills keep their locks, does not exist and could not be created: ` +
        `${describeError(error)}: nothing was changed`,
      [`have it created once: kubectl create namespace ${claim.namespace}`],
    );
  }
}
