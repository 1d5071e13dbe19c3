// `kubectl drill rollback RUN_ID`: the rollback phase of a run, later and from its folder alone
// (after SIGKILL, a power cut, or on a colleague's machine with the folder copied over). It runs
// the runbook's rollback steps from the copy the run kept, then undoes the recorded changes not yet
// undone, newest first, appending every event to the run's own journal. Running it twice is
// harmless: the second finds every change settled and says so. It holds the run's lock while it
// works, taking it over at once from the run it rolls back (see run-lock.ts).
//
// The params are the run's, from its journal, where a secret param's value is masked: the run kept
// it nowhere. A rollback step that uses one needs it given again (`--set name=value`), and the
// rollback is refused, naming it, until it is; nothing else can be given.
import { Clusters, type ConnectionOptions } from '../kube/cluster.ts';
import { type Report, ReportBuilder } from '../report/model.ts';
import type { RollbackStatus } from './events.ts';
import { automaticInteraction } from './interaction.ts';
import { Journal } from './journal.ts';
import { carriedOver, checkSecretsGiven, findRunDir, priorRunOf, readJournal, readRunbookCopy } from './run-folder.ts';
import { rollBackRun, rollbackSteps } from './runner.ts';
import {
  defaultJournalDir,
  ExitCode,
  keepReport,
  loadRunbook,
  refuseOnError,
  RunRefused,
  type RunView,
  takeLock,
  underLock,
} from './session.ts';

export interface RollbackOptions {
  /** A run id in the journal dir, or the path of a run folder. */
  run: string;
  journalDir?: string;
  /** --context overrides the context the run recorded. */
  connection: ConnectionOptions;
  /** Roll back a run that succeeded, whose changes are what the drill was for. */
  force: boolean;
  /** Values of secret params, which the run's journal holds masked. */
  set: Record<string, string>;
  /** Take the run lock even from another live run (--take-over-lock); the run's own is taken anyway. */
  takeOverLock: boolean;
  /** Record Kubernetes Events (--events, the default). */
  events: boolean;
}

export interface RollbackResult {
  runDir: string;
  report: Report;
  /** Undefined when there was nothing left to roll back. */
  status?: RollbackStatus;
  /** Said before anything ran: a cut journal, nothing left to do. */
  notes: string[];
  exitCode: number;
}

export async function rollbackDrill(options: RollbackOptions, view: RunView): Promise<RollbackResult> {
  const journalDir = options.journalDir ?? defaultJournalDir();
  const runDir = refuseOnError(() => findRunDir(options.run, journalDir));
  const { events, truncated } = refuseOnError(() => readJournal(runDir));
  const { started, prior } = refuseOnError(() => priorRunOf(events));
  const notes = truncated
    ? ['the journal ends in a cut line (the run was killed while writing it): that event is left out']
    : [];
  const report = new ReportBuilder();
  for (const event of events) report.handle(event);

  const finished = events.findLast((event) => event.type === 'run.finished');
  if (finished?.status === 'succeeded' && !options.force) {
    throw new RunRefused(
      `run ${started.runId} succeeded: its changes are what the drill was for, so nothing was rolled back ` +
        '(--force undoes them anyway)',
      ExitCode.failed,
    );
  }
  const rolledBackBefore = events.some((event) => event.type === 'rollback.finished');
  const pending = prior.changes.filter((change) => !prior.settled.includes(change.id));
  if (rolledBackBefore && pending.length === 0) {
    notes.push(`nothing left to roll back: every change of run ${started.runId} was already undone or settled`);
    return { runDir, report: report.report, notes, exitCode: ExitCode.ok };
  }

  const { copy, source } = refuseOnError(() => readRunbookCopy(runDir, started));
  const params = { ...started.params, ...options.set };
  const { runbook } = await loadRunbook(copy, params, {}, source);
  checkSecretsGiven(runbook, options.set, rollbackSteps(runbook), 'rollback');
  const clusters = new Clusters({ ...options.connection, context: options.connection.context ?? started.context });
  // The run's own lock is taken over at once, even from the run itself: it died, or is being stopped.
  const lock = await takeLock(await clusters.get(), {
    runbook: started.runbook,
    params: started.params,
    runId: started.runId,
    takeOver: options.takeOverLock,
    purpose: 'kubectl drill rollback',
  });
  const journal = new Journal(runDir);
  if (journal.cutBytes > 0) {
    journal.write({
      type: 'run.progress',
      message: `kubectl drill rollback removed the journal's last line, cut short (${journal.cutBytes} bytes) by the kill`,
      at: new Date().toISOString(),
      t: Date.now() - Date.parse(started.at),
    });
  }
  try {
    const guarded = underLock(lock, clusters, started.runId, options.events, journal.write, [
      report.handle,
      view.handle,
    ]);
    const { status, journalFailure } = await rollBackRun(
      {
        ...carriedOver(started, runbook),
        params,
        clusters,
        interaction: automaticInteraction,
        ...guarded.wiring,
      },
      prior,
      'kubectl drill rollback',
    );
    await guarded.flush();
    if (journalFailure !== undefined) {
      notes.push(`${journalFailure}: the rollback went on; events from then on may be missing from the journal`);
    }
    notes.push(...keepReport(runDir, report.report));
    return {
      runDir,
      report: report.report,
      status,
      notes,
      exitCode: status === 'succeeded' ? ExitCode.ok : ExitCode.failed,
    };
  } finally {
    await lock.release();
    journal.close();
    await view.close();
  }
}
