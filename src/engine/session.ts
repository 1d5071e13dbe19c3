// A whole `kubectl drill run`: validate the runbook, check permissions, take the run lock (refused
// if another run holds it, before anything is changed), run it with a journal, a report and the
// cluster's audit trail, release the lock once the run (and its rollback) is over, and decide the
// exit code. What the user sees is a RunView, supplied by the command.
//
// The journal dir is checked before anything else (made if missing, a file written in it): one
// that cannot hold a run is refused with the system's reason, exit 2, before any cluster access.
// A journal that fails in the middle of the run stops it there (runner.ts); the run ends with exit
// 1, like any aborted run (DESIGN.md section 4), and the terminal is told the journal's path, the
// reason, and what the rollback put back.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { findAction } from '../actions/registry.ts';
import { type Cluster, Clusters, type ConnectionOptions } from '../kube/cluster.ts';
import { type Report, ReportBuilder } from '../report/model.ts';
import type { Runbook } from '../runbook/schema.ts';
import { paramValues } from '../runbook/semantic.ts';
import { checkStepReference, formatResult, validateRunbook, validateRunbookFile } from '../runbook/validate.ts';
import type { EventHandler } from './events.ts';
import { automaticInteraction, type Interaction } from './interaction.ts';
import { Journal } from './journal.ts';
import { AuditTrail } from './audit-trail.ts';
import { checkInputs, checkPermissions, describeMissing } from './preflight.ts';
import { maskedProblems, type Redactor, runbookRedactor } from './redact.ts';
import type { Interrupts } from './interrupts.ts';
import { defaultJournalDir } from './journal-dir.ts';
import { errnoReason, journalDirProblem, makeOwnerDir } from './owner-only.ts';
import { keepRunbook, REPORT_FILE, writeReport } from './run-folder.ts';
import type { RollbackPolicy } from './rollback-policy.ts';
import { LockRefused, RunLock, type TakeLockOptions } from './run-lock.ts';
import { type RunOptions, runRunbook, undoOnCluster } from './runner.ts';

/** DESIGN.md section 4. */
export const ExitCode = { ok: 0, failed: 1, invalid: 2, missedTarget: 3, interrupted: 130 } as const;

/** A failure before any step ran; nothing was changed. */
export class RunRefused extends Error {
  readonly exitCode: number;
  readonly details: string[];
  constructor(message: string, exitCode: number, details: string[] = []) {
    super(message);
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** What the person at the terminal sees and answers; supplied by the command. */
export interface RunView {
  /** Answers questions; ignored with --yes. */
  readonly interaction: Interaction;
  /** Shows a single wait (validation, permission checks) while it runs. */
  wait<T>(text: string, work: Promise<T>): Promise<T>;
  /** Receives every event of the run. */
  readonly handle: EventHandler;
  /** Called once the run is over, before the summary; resolves when the view has drawn its last. */
  close(): Promise<void>;
}

export interface DrillOptions {
  file: string;
  set: Record<string, string>;
  connection: ConnectionOptions;
  /** Where run folders go; default `$KUBECTL_DRILL_HOME/runs`, `~/.kube/drill/runs`. */
  journalDir?: string;
  yes: boolean;
  /** Whether someone can answer prompts (a TTY, and not CI). */
  interactive: boolean;
  from?: string;
  only?: string;
  /** Ctrl-C, SIGTERM and SIGHUP, as the command receives them. */
  interrupts: Interrupts;
  rollbackPolicy: RollbackPolicy;
  /** Take the run lock even from another live run (--take-over-lock). */
  takeOverLock: boolean;
  /** Record Kubernetes Events (--events, the default). */
  events: boolean;
}

export interface DrillResult {
  report: Report;
  runDir: string;
  exitCode: number;
  /** What the terminal must be told besides the summary (a journal or report that could not be written). */
  notes: string[];
}

export { defaultJournalDir };

/**
 * Validates the runbook with every param given a value; refuses with every problem at once (a
 * secret param's value masked in them). The source returned is the text validated, so the copy a
 * run keeps is exactly what it ran; the Redactor masks the runbook's secrets in what is printed.
 */
export async function loadRunbook(
  file: string,
  set: Record<string, string>,
  steps: { from?: string; only?: string } = {},
  givenSource?: string,
): Promise<{ runbook: Runbook; params: Record<string, string>; source: string; redactor: Redactor }> {
  const source = givenSource ?? (await readFile(file, 'utf8').catch(() => undefined));
  const options = { set, requireParams: true };
  const result =
    source === undefined ? await validateRunbookFile(file, options) : validateRunbook(source, file, options);
  if (!result.valid || source === undefined) {
    const problems = formatResult(maskedProblems(result, source, set));
    throw new RunRefused(`${file} is not a valid runbook`, ExitCode.invalid, problems);
  }
  for (const flag of ['from', 'only'] as const) {
    const id = steps[flag];
    const problem = id === undefined ? undefined : checkStepReference(result.runbook, id);
    if (problem) throw new RunRefused(`--${flag}: ${problem}`, ExitCode.invalid);
  }
  const params = paramValues(result.runbook, set);
  return { runbook: result.runbook, params, source, redactor: runbookRedactor(result.runbook, params) };
}

/** Steps a person must answer for: anything that changes the cluster, and manual steps. */
export function stepsNeedingConfirmation(runbook: Runbook): string[] {
  return runbook.spec.steps.filter((s) => s.action === 'manual' || findAction(s.action)?.mutating).map((s) => s.id);
}

export async function runDrill(options: DrillOptions, view: RunView): Promise<DrillResult> {
  const journalDir = options.journalDir ?? defaultJournalDir();
  const unwritable = journalDirProblem(journalDir);
  if (unwritable !== undefined) {
    const which = options.journalDir === undefined ? 'the journal dir (KUBECTL_DRILL_HOME/runs)' : '--journal-dir';
    throw new RunRefused(`${which} ${journalDir} cannot hold runs: ${unwritable}`, ExitCode.invalid);
  }
  const { runbook, params, source, redactor } = await view.wait(
    `validating ${options.file}`,
    loadRunbook(options.file, options.set, { from: options.from, only: options.only }),
  );
  if (!options.yes && !options.interactive) {
    const needing = stepsNeedingConfirmation(runbook);
    if (needing.length > 0) {
      throw new RunRefused(
        `pass --yes to run unattended: there is no terminal to confirm steps ${needing.join(', ')}`,
        ExitCode.invalid,
      );
    }
  }
  const clusters = new Clusters(options.connection);
  const missing = await view.wait(
    'checking permissions',
    checkPermissions(runbook, params, clusters, dirname(options.file), { events: options.events }),
  );
  if (missing.length > 0) {
    throw new RunRefused(
      `missing permissions: nothing was changed`,
      ExitCode.failed,
      missing.map((m) => redactor.text(describeMissing(m))),
    );
  }
  const problems = await view.wait(
    'checking inputs against the cluster',
    checkInputs(runbook, params, clusters, dirname(options.file)),
  );
  if (problems.length > 0) {
    throw new RunRefused(
      `the cluster refutes the runbook's inputs: nothing was changed`,
      ExitCode.invalid,
      problems.map((p) => redactor.text(`step "${p.step}": ${p.problem}`)),
    );
  }

  const runId = newRunId(runbook.metadata.name);
  const lock = await view.wait(
    'taking the run lock',
    takeLock(await clusters.get(), {
      runbook: runbook.metadata.name,
      params,
      runId,
      takeOver: options.takeOverLock,
      purpose: `run ${runId}`,
    }),
  );
  let journal: Journal | undefined;
  try {
    const runDir = join(journalDir, runId);
    makeOwnerDir(runDir);
    // Rollback and resume read the runbook the run ran, whatever becomes of the file.
    const runbookSha256 = keepRunbook(source, runDir);
    const opened = new Journal(runDir);
    journal = opened;
    const report = new ReportBuilder();
    const guarded = underLock(lock, clusters, runId, options.events, opened.write, [report.handle, view.handle]);
    const startedAt = Date.now();
    options.interrupts.beforeExit = () => {
      try {
        opened.write({
          type: 'run.progress',
          message: `exited at once on a third interruption; kubectl drill rollback ${runId} finishes the rollback`,
          at: new Date().toISOString(),
          t: Date.now() - startedAt,
        });
      } catch {
        // Exiting regardless: the journal already shows a rollback that did not finish.
      }
    };
    const result = await runRunbook({
      runId,
      runbook,
      file: options.file,
      runbookSha256,
      params,
      clusters,
      interaction: options.yes ? automaticInteraction : view.interaction,
      ...guarded.wiring,
      signal: options.interrupts.signal,
      rollbackPolicy: options.rollbackPolicy,
      from: options.from,
      only: options.only,
    });
    await guarded.flush();
    const notes = closingNotes(runDir, report.report, result.journalFailure);
    return { report: report.report, runDir, exitCode: exitCodeOf(result.status, result.missedTarget), notes };
  } finally {
    await lock.release();
    journal?.close();
    await view.close();
  }
}

/**
 * Keeps report.json, and says what the terminal must hear besides the summary: a journal that
 * failed (where, why, what was rolled back), a report that could not be written. Neither changes
 * the exit code: the run's status already says it stopped.
 */
export function closingNotes(runDir: string, report: Report, journalFailure: string | undefined): string[] {
  const notes: string[] = [];
  if (journalFailure !== undefined) {
    const counts = report.rollback?.counts;
    const rolledBack = counts
      ? `rolled back ${String(counts.restored)} changes` +
        (report.rollback?.status === 'succeeded' ? '' : ` (rollback ${report.rollback?.status ?? 'unfinished'})`)
      : 'nothing was rolled back';
    notes.push(
      `${journalFailure}: the run stopped before its next change and ${rolledBack}; ` +
        `events from then on may be missing from the journal`,
    );
  }
  return [...notes, ...keepReport(runDir, report)];
}

/** Writes report.json; a report that cannot be written is said, as the summary is then its only copy. */
export function keepReport(runDir: string, report: Report): string[] {
  try {
    writeReport(runDir, report);
    return [];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    return [
      `cannot write the report ${join(runDir, REPORT_FILE)}: ${code}: ${errnoReason(error)}; the summary is its only copy`,
    ];
  }
}

/** Reading a run folder that fails (unknown run, damaged journal) refuses the command. */
export function refuseOnError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new RunRefused(error instanceof Error ? error.message : String(error), ExitCode.failed);
  }
}

/**
 * What a run holding the lock hands the engine: its journal and undo guarded by the lock, its
 * watchers joined by the cluster's audit trail when Events are asked for, and the lock and the trail
 * told once it has started. `flush` sends the trail's last Events.
 */
export function underLock(
  lock: RunLock,
  clusters: Clusters,
  runId: string,
  events: boolean | undefined,
  write: EventHandler,
  handlers: EventHandler[],
): { wiring: Pick<RunOptions, 'journal' | 'handlers' | 'undo' | 'onStarted'>; flush: () => Promise<void> } {
  const audit = events ? new AuditTrail(runId, clusters, lock.subject) : undefined;
  return {
    wiring: {
      journal: lock.guardJournal(write),
      handlers: audit ? [...handlers, audit.handle] : handlers,
      undo: lock.guardUndo(undoOnCluster),
      onStarted: (say) => {
        lock.started(say);
        audit?.started(say);
      },
    },
    flush: async () => {
      await audit?.flush();
    },
  };
}

/** Takes the run lock, or refuses the run (exit 1) naming who holds it; nothing is changed either way. */
export async function takeLock(cluster: Cluster, options: TakeLockOptions): Promise<RunLock> {
  try {
    return await RunLock.take(cluster, options);
  } catch (error) {
    if (error instanceof LockRefused) throw new RunRefused(error.message, ExitCode.failed, error.details);
    throw error;
  }
}

export function exitCodeOf(status: Report['status'], missedTarget: boolean): number {
  if (status === 'succeeded') return missedTarget ? ExitCode.missedTarget : ExitCode.ok;
  if (status === 'interrupted') return ExitCode.interrupted;
  return ExitCode.failed;
}

function newRunId(runbook: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `${runbook}-${stamp}-${randomBytes(2).toString('hex')}`;
}
