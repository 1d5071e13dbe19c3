// A Lease (coordination.k8s.io/v1) used as a lock that one holder has at a time: taken, renewed
// while the holder lives, released when it is done, and free for the taking once its holder has
// not renewed it for its duration (renewTime + leaseDurationSeconds in the past).
//
// Every write is conditional, so two processes racing for one Lease cannot both win: a create
// fails with 409 AlreadyExists when someone created it first, and an update carries the
// resourceVersion it was read at and fails with 409 Conflict when anything wrote the Lease since.
// The loser reads the Lease again and sees the winner. Times are the API's MicroTime (RFC 3339 with
// microseconds); expiry is judged on this machine's clock against the holder's renewTime, so it
// assumes clocks that agree to within seconds, as NTP keeps them.
//
// What the lock is for, its name, how long it lasts and when a live holder may be displaced are the
// caller's (src/engine/run-lock.ts); this file takes milliseconds and knows nothing of runbooks.
import type { Cluster } from './cluster.ts';
import { isConflict, isNotFound } from './errors.ts';
import { apiRequest } from './objects.ts';

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** What a holder writes on the Lease when it takes it. */
export interface LeaseClaim {
  namespace: string;
  name: string;
  holderIdentity: string;
  durationMs: number;
  /** Set with the holder, removed again on release. */
  annotations: Record<string, string>;
  labels: Record<string, string>;
}

export type AcquireResult =
  /** `previous`: the Lease as it was when it had a holder (expired, or displaced with consent). */
  | { acquired: true; lease: Lease; previous?: Lease }
  /** Held by someone the caller may not displace; `lease` says who. */
  | { acquired: false; lease: Lease };

/** The API's MicroTime: RFC 3339 with exactly six fractional digits (the server refuses three). */
export function microTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

/** When the holder's time runs out (ms since the epoch), or undefined for a Lease nobody holds. */
export function leaseExpiresAt(lease: Lease): number | undefined {
  const { holderIdentity, renewTime, acquireTime, leaseDurationSeconds } = lease.spec;
  const renewed = Date.parse(renewTime ?? acquireTime ?? '');
  if (!holderIdentity || Number.isNaN(renewed)) return undefined;
  return renewed + (leaseDurationSeconds ?? 0) * 1000;
}

/** Whether someone holds the Lease at `nowMs`: a holder whose last renewal is not yet a duration ago. */
export function leaseHeld(lease: Lease, nowMs: number): boolean {
  const expiresAt = leaseExpiresAt(lease);
  return expiresAt !== undefined && expiresAt > nowMs;
}

function leasePath(namespace: string, name?: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases${name === undefined ? '' : `/${name}`}`;
}

/** The Lease, or undefined if there is none. */
export async function readLease(
  cluster: Cluster,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<Lease | undefined> {
  try {
    return (await apiRequest(cluster, 'GET', leasePath(namespace, name), { signal })).object as unknown as Lease;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The Lease as the claimant would write it, from what is there now (undefined: nothing yet). */
export function claimedLease(current: Lease | undefined, claim: LeaseClaim, now: Date): Lease {
  const transitions = current?.spec.leaseTransitions ?? 0;
  const changedHands = current !== undefined && current.spec.holderIdentity !== claim.holderIdentity;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      ...current?.metadata,
      name: claim.name,
      namespace: claim.namespace,
      labels: { ...current?.metadata.labels, ...claim.labels },
      annotations: { ...current?.metadata.annotations, ...claim.annotations },
    },
    spec: {
      ...current?.spec,
      holderIdentity: claim.holderIdentity,
      leaseDurationSeconds: Math.ceil(claim.durationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: changedHands ? transitions + 1 : transitions,
    },
  };
}

/**
 * Takes the Lease if nobody holds it, its holder's time has run out, or `mayDisplace` agrees to
 * displace its live holder. A lost race (409) is not an error: the Lease is read again and judged
 * anew, so the answer names whoever won.
 */
export async function acquireLease(
  cluster: Cluster,
  claim: LeaseClaim,
  mayDisplace: (held: Lease) => boolean,
  signal?: AbortSignal,
): Promise<AcquireResult> {
  for (let attempt = 1; ; attempt++) {
    const current = await readLease(cluster, claim.namespace, claim.name, signal);
    const now = new Date();
    if (current && leaseHeld(current, now.getTime()) && !mayDisplace(current))
      return { acquired: false, lease: current };
    const wanted = claimedLease(current, claim, now);
    try {
      const { object } = current
        ? await apiRequest(cluster, 'PUT', leasePath(claim.namespace, claim.name), { body: wanted, signal })
        : await apiRequest(cluster, 'POST', leasePath(claim.namespace), { body: wanted, signal });
      const previous = current?.spec.holderIdentity ? current : undefined;
      return { acquired: true, lease: object as unknown as Lease, previous };
    } catch (error) {
      // 409 on create is AlreadyExists, on update Conflict: either way someone else wrote first.
      if (!isConflict(error) || attempt === 3) throw error;
    }
  }
}

/**
 * Writes a new renewTime, on condition that nobody wrote the Lease since `lease` was read; a 409
 * (someone did) or 404 (someone deleted it) is thrown for the caller to judge.
 */
export async function renewLease(cluster: Cluster, lease: Lease, signal?: AbortSignal): Promise<Lease> {
  const renewed: Lease = { ...lease, spec: { ...lease.spec, renewTime: microTime(new Date()) } };
  const { name, namespace } = lease.metadata;
  return (await apiRequest(cluster, 'PUT', leasePath(namespace, name), { body: renewed, signal }))
    .object as unknown as Lease;
}

/**
 * Gives the Lease up: no holder, and the claim's annotations gone, on condition that nobody wrote
 * it since `lease` was read. Returns false when someone did (it is theirs now) or deleted it.
 */
export async function releaseLease(
  cluster: Cluster,
  lease: Lease,
  annotationKeys: readonly string[],
  signal?: AbortSignal,
): Promise<boolean> {
  const annotations = Object.fromEntries(
    Object.entries(lease.metadata.annotations ?? {}).filter(([key]) => !annotationKeys.includes(key)),
  );
  const { holderIdentity: _holder, acquireTime: _acquired, ...spec } = lease.spec;
  const released: Lease = {
    ...lease,
    metadata: { ...lease.metadata, annotations },
    spec: { ...spec, renewTime: microTime(new Date()) },
  };
  const { name, namespace } = lease.metadata;
  try {
    await apiRequest(cluster, 'PUT', leasePath(namespace, name), { body: released, signal });
    return true;
  } catch (error) {
    if (isConflict(error) || isNotFound(error)) return false;
    throw error;
  }
}
