// Kubernetes Events (events.k8s.io/v1) about objects, sent without holding up whoever reports
// them: an audit trail that `kubectl get events` and `kubectl describe` show beside the objects'
// own events.
//
// An Event lives in the namespace of the object it is about (`regarding`), or in `default` for a
// cluster-scoped object such as a Node, as the kubelet's are, so `kubectl describe node` finds it.
// Sending is fire and forget through a bounded queue: `send` returns at once, one request at a time
// goes out (so they arrive in order) over a connection kept per cluster, each bounded by a
// deadline; a full queue drops the event and counts it, a failed request is reported to
// `onFailure`, and nothing ever throws at the sender. `flush` waits for the queue to empty, for a
// bounded time, and closes the connections. What is worth an Event and what it says
// is the caller's; this file knows nothing of runbooks.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from './cluster.ts';
import { apiErrorMessage } from './errors.ts';
import { microTime } from './lease.ts';
import { apiRequest, KeptConnection } from './objects.ts';

/** The object an Event is about; `uid` lets `kubectl describe` match it. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

export interface EventReport {
  regarding: EventSubject;
  /** Another object the Event concerns (the lock a run holds). */
  related?: EventSubject;
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, like DrillStepStarted. */
  reason: string;
  /** What was done, like RunStep. */
  action: string;
  note: string;
  /** When it happened (the event is often sent a little later). */
  time: Date;
}

/** Who reports: the reporting controller and the instance of it. */
export interface Reporter {
  controller: string;
  instance: string;
}

/** The API's limits (k8s.io/kubernetes pkg/apis/core/validation/events.go). */
const NOTE_LIMIT = 1024;
const INSTANCE_LIMIT = 128;
const NAME_LIMIT = 253;

/** The Event object for a report: its namespace, a unique name, and the fields cut to the API's limits. */
export function eventObject(report: EventReport, reporter: Reporter, suffix: string): Record<string, unknown> {
  const namespace = report.regarding.namespace ?? 'default';
  const unique = `.${suffix}`;
  const note = report.note.length > NOTE_LIMIT ? `${report.note.slice(0, NOTE_LIMIT - 3)}...` : report.note;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: {
      name: `${eventNamePrefix(report.regarding.name, NAME_LIMIT - unique.length)}${unique}`,
      namespace,
    },
    eventTime: microTime(report.time),
    reportingController: reporter.controller,
    reportingInstance: reporter.instance.slice(0, INSTANCE_LIMIT),
    action: report.action,
    reason: report.reason,
    note,
    type: report.type,
    regarding: report.regarding,
    ...(report.related ? { related: report.related } : {}),
  };
}

/** An object's name made fit to begin an Event's name (a DNS subdomain): `system:x` has a colon. */
function eventNamePrefix(name: string, limit: number): string {
  const fit = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .slice(0, limit)
    .replace(/^[.-]+|[.-]+$/g, '');
  return fit || 'object';
}

/** A hex suffix that orders by time and cannot collide: like client-go's `<name>.<unix nanos hex>`. */
function uniqueSuffix(time: Date): string {
  return `${time.getTime().toString(16)}${randomBytes(4).toString('hex')}`;
}

export interface EventSenderOptions {
  reporter: Reporter;
  /** Reports waiting beyond this many are dropped (and counted). */
  capacity: number;
  /** The longest one request may take. */
  requestTimeoutMs: number;
  /** A request that failed: the report, and the API's answer. */
  onFailure: (report: EventReport, error: string) => void;
}

export class EventSender {
  readonly #options: EventSenderOptions;
  #waiting = 0;
  #tail: Promise<void> = Promise.resolve();
  #dropped = 0;
  #sent = 0;
  readonly #connections = new Map<Cluster, KeptConnection>();

  constructor(options: EventSenderOptions) {
    this.#options = options;
  }

  /** Queues an Event for the cluster `cluster` resolves to; returns at once. */
  send(cluster: () => Promise<Cluster>, report: EventReport): void {
    if (this.#waiting >= this.#options.capacity) {
      this.#dropped++;
      return;
    }
    this.#waiting++;
    this.#tail = this.#tail.then(async () => {
      try {
        const body = eventObject(report, this.#options.reporter, uniqueSuffix(report.time));
        const namespace = (body.metadata as { namespace: string }).namespace;
        const target = await cluster();
        const connection = this.#connections.get(target) ?? new KeptConnection();
        this.#connections.set(target, connection);
        await apiRequest(target, 'POST', `/apis/events.k8s.io/v1/namespaces/${namespace}/events`, {
          body,
          signal: AbortSignal.timeout(this.#options.requestTimeoutMs),
          connection,
        });
        this.#sent++;
      } catch (error) {
        this.#options.onFailure(report, apiErrorMessage(error));
      } finally {
        this.#waiting--;
      }
    });
  }

  /** Waits until every queued Event is sent or has failed, or `timeoutMs` has passed. */
  async flush(timeoutMs: number): Promise<{ sent: number; dropped: number; unsent: number }> {
    const deadline = new AbortController();
    await Promise.race([this.#tail, sleep(timeoutMs, undefined, { signal: deadline.signal }).catch(() => undefined)]);
    deadline.abort();
    // Closed once the last is answered; Events sent after a flush open new ones.
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    void this.#tail.then(() => Promise.all(connections.map((c) => c.close().catch(() => undefined))));
    return { sent: this.#sent, dropped: this.#dropped, unsent: this.#waiting };
  }
}
