// The run's audit trail in the cluster: Kubernetes Events, so that `kubectl get events` and
// `kubectl describe` show what a drill did to an object beside what happened to it otherwise, to
// whoever looks at the cluster rather than at the journal (which stays the full record: the API
// server keeps Events for its --event-ttl, an hour by default).
//
// A handler of the run's events (DESIGN.md: the journal is just one handler). Decided here:
// - Which: each step of an action that changes the cluster gets DrillStepStarted and
//   DrillStepFinished; the run gets DrillRunStarted and DrillRunFinished, a rollback DrillRollback
//   when it starts and when it ends. Reporting controller `kubectl-drill`, instance `user@host`.
// - About what: a step's Events are about the first object it changes (its first undo record), so
//   they sit with that object (`kubectl describe node eu-west-a-1`); DrillStepStarted therefore waits
//   for that record, carrying the step's start as its time. A step that changed nothing, and the
//   run's own Events, are about the run's lock (the Lease), which every Event names as `related`.
// - Warning for what went wrong (a step that did not succeed, a rollback), Normal otherwise.
// - Sending never holds up or fails a step (src/kube/events.ts queues it); a failure is said once
//   per distinct error in the run's stream, and what is still unsent at the end of the run is
//   waited for briefly, then counted.
import { findAction } from '../actions/registry.ts';
import type { Change } from '../kube/changes.ts';
import type { Cluster, Clusters } from '../kube/cluster.ts';
import { type EventReport, EventSender, type EventSubject } from '../kube/events.ts';
import { describeObject } from '../kube/objects.ts';
import { formatElapsed } from '../report/format.ts';
import { describeCounts } from '../report/summary.ts';
import type { EventHandler, RunEvent, StepStarted } from './events.ts';
import { whoAmI } from './run-lock.ts';

const REPORTING_CONTROLLER = 'kubectl-drill';
/** Events waiting beyond this many are dropped: a run's few dozen never come near it. */
const QUEUE_CAPACITY = 200;
const REQUEST_TIMEOUT_MS = 5_000;
/** How long the end of a run waits for Events still being sent. */
const FLUSH_TIMEOUT_MS = 5_000;

interface OpenStep {
  started: StepStarted;
  /** The object its Events are about, once it has recorded its first change. */
  subject?: EventSubject;
}

export class AuditTrail {
  readonly #runId: string;
  readonly #clusters: Clusters;
  readonly #lock: EventSubject;
  readonly #sender: EventSender;
  readonly #open = new Map<string, OpenStep>();
  readonly #failures = new Set<string>();
  #say: (message: string) => void = () => undefined;

  constructor(runId: string, clusters: Clusters, lock: EventSubject) {
    this.#runId = runId;
    this.#clusters = clusters;
    this.#lock = lock;
    const { user, host } = whoAmI();
    this.#sender = new EventSender({
      reporter: { controller: REPORTING_CONTROLLER, instance: `${user}@${host}` },
      capacity: QUEUE_CAPACITY,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      onFailure: (report, error) => {
        if (this.#failures.has(error)) return;
        this.#failures.add(error);
        this.#say(`Kubernetes Event ${report.reason} about ${describeObject(report.regarding)} not recorded: ${error}`);
      },
    });
  }

  /** The run has started: failures to send are said in its stream from now on. */
  started(say: (message: string) => void): void {
    this.#say = say;
  }

  readonly handle: EventHandler = (event) => {
    const key = 'step' in event && 'phase' in event ? `${event.phase}/${event.step}` : '';
    switch (event.type) {
      case 'run.started':
        this.#aboutRun(event, 'DrillRunStarted', 'Normal', `runbook ${event.runbook} started by ${describeUser()}`);
        break;
      case 'step.started':
        if (findAction(event.action)?.mutating) this.#open.set(key, { started: event });
        break;
      case 'undo.recorded': {
        const open = this.#open.get(key);
        if (open && !open.subject) {
          open.subject = subjectOf(event.change) ?? this.#lock;
          this.#stepStarted(open.started, open.subject);
        }
        break;
      }
      case 'step.finished': {
        const open = this.#open.get(key);
        if (!open) break;
        this.#open.delete(key);
        const { started, subject = this.#lock } = open;
        if (!open.subject) this.#stepStarted(started, subject);
        const error = event.error ? `: ${event.error}` : '';
        this.#send(started.context, {
          regarding: subject,
          reason: 'DrillStepFinished',
          action: 'RunStep',
          type: event.status === 'succeeded' || event.status === 'skipped' ? 'Normal' : 'Warning',
          note: `${this.#stepNote(started)} ${event.status} in ${formatElapsed(event.durationMs)}${error}`,
          time: new Date(event.at),
        });
        break;
      }
      case 'rollback.started':
        this.#aboutRun(
          event,
          'DrillRollback',
          'Warning',
          `rolling back (${event.reason}): ${event.steps.length} rollback steps, then ${event.records.length} recorded changes`,
        );
        break;
      case 'rollback.finished':
        this.#aboutRun(
          event,
          'DrillRollback',
          event.status === 'succeeded' ? 'Normal' : 'Warning',
          `rollback ${event.status} in ${formatElapsed(event.durationMs)}: ${describeCounts(event.counts)}`,
        );
        break;
      case 'run.finished':
        this.#aboutRun(
          event,
          'DrillRunFinished',
          event.status === 'succeeded' ? 'Normal' : 'Warning',
          `${event.status} in ${formatElapsed(event.durationMs)}${event.reason ? `: ${event.reason}` : ''}`,
        );
        break;
      default:
        break;
    }
  };

  /** Waits (briefly) for the Events still being sent; says what could not be. */
  async flush(): Promise<void> {
    const { dropped, unsent } = await this.#sender.flush(FLUSH_TIMEOUT_MS);
    if (dropped + unsent > 0) {
      this.#say(`${dropped + unsent} Kubernetes Events not recorded (${dropped} dropped, ${unsent} still unsent)`);
    }
  }

  #stepNote(started: StepStarted): string {
    const which = started.phase === 'rollback' ? 'rollback step' : 'step';
    return `run ${this.#runId}: ${which} ${started.step} (${started.action})`;
  }

  #stepStarted(started: StepStarted, subject: EventSubject): void {
    this.#send(started.context, {
      regarding: subject,
      reason: 'DrillStepStarted',
      action: 'RunStep',
      type: 'Normal',
      note: `${this.#stepNote(started)} started`,
      time: new Date(started.at),
    });
  }

  #aboutRun(event: RunEvent, reason: string, type: EventReport['type'], note: string): void {
    this.#send(undefined, {
      regarding: this.#lock,
      reason,
      action: reason === 'DrillRollback' ? 'Rollback' : 'Run',
      type,
      note: `run ${this.#runId}: ${note}`,
      time: new Date(event.at),
    });
  }

  /** Events about the Lease go to the run's cluster; those about a step's object, to the step's. */
  #send(context: string | undefined, report: Omit<EventReport, 'related'>): void {
    const aboutLock = report.regarding === this.#lock;
    const cluster = (): Promise<Cluster> => this.#clusters.get(aboutLock ? undefined : context);
    this.#sender.send(cluster, aboutLock ? report : { ...report, related: this.#lock });
  }
}

/** The first object a change names; none for an irreversible change that names no object. */
function subjectOf(change: Change): EventSubject | undefined {
  const object = change.type === 'irreversible' ? change.objects[0] : change.object;
  if (!object) return undefined;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.namespace,
    name: object.name,
    uid: object.uid,
  };
}

function describeUser(): string {
  const { user, host } = whoAmI();
  return `${user}@${host}`;
}
