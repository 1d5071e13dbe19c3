// `kubectl drill resume RUN_ID`: goes on with a run that was interrupted or killed, from its run
// folder alone: the runbook it ran (the folder's copy), its params and context, and the outputs of
// the steps that finished. The first step that did not finish (one that had started is run again:
// actions are re-runnable) and every step after it run in the same run, appended to the same
// journal after a `run.resumed` event that says how long the gap was.
import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { Clusters, type ConnectionOptions } from '../kube/cluster.ts';
import { ReportBuilder } from '../report/model.ts';
import type { RunEvent } from './events.ts';
import { automaticInteraction } from './interaction.ts';
import type { Interrupts } from './interrupts.ts';
import { Journal } from './journal.ts';
import type { RollbackPolicy } from './rollback-policy.ts';
import { carriedOver, checkSecretsGiven, findRunDir, priorRunOf, readJournal, readRunbookCopy } from './run-folder.ts';
import { resumeRun, rollbackSteps } from './runner.ts';
import {
  closingNotes,
  defaultJournalDir,
  type DrillResult,
  ExitCode,
  exitCodeOf,
  loadRunbook,
  refuseOnError,
  RunRefused,
  type RunView,
  stepsNeedingConfirmation,
  takeLock,
  underLock,
} from './session.ts';

export interface ResumeOptions {
  /** A run id in the journal dir, or the path of a run folder. */
  run: string;
  journalDir?: string;
  connection: ConnectionOptions;
  /** Go on with the runbook the run started with although its file changed since. */
  ignoreRunbookChanges: boolean;
  /** Values of secret params, which the journal holds masked. */
  set: Record<string, string>;
  yes: boolean;
  interactive: boolean;
  interrupts: Interrupts;
  rollbackPolicy: RollbackPolicy;
  /** Take the run lock even from another live run (--take-over-lock); the run's own is taken anyway. */
  takeOverLock: boolean;
  /** Record Kubernetes Events (--events, the default). */
  events: boolean;
}

export async function resumeDrill(options: ResumeOptions, view: RunView): Promise<DrillResult> {
  const runDir = refuseOnError(() => findRunDir(options.run, options.journalDir ?? defaultJournalDir()));
  const { events } = refuseOnError(() => readJournal(runDir));
  const { started, prior } = refuseOnError(() => priorRunOf(events));
  refuseFinished(events, started.runId);

  const { copy, source } = refuseOnError(() => readRunbookCopy(runDir, started));
  const changed = runbookChanges(source, started.file);
  if (changed.length > 0 && !options.ignoreRunbookChanges) {
    throw new RunRefused(
      `${started.file} changed since run ${started.runId} started; resume goes on with the runbook the run started with ` +
        '(--ignore-runbook-changes), or start a new run',
      ExitCode.failed,
      changed,
    );
  }
  const done = new Set(
    events.flatMap((e) =>
      e.type === 'step.finished' && e.phase === 'steps' && (e.status === 'succeeded' || e.status === 'skipped')
        ? [e.step]
        : [],
    ),
  );
  const params = { ...started.params, ...options.set };
  const { runbook } = await loadRunbook(copy, params, {}, source);
  const remaining = runbook.spec.steps.filter((step) => !done.has(step.id));
  checkSecretsGiven(runbook, options.set, [...remaining, ...rollbackSteps(runbook)], 'resume');
  const [first] = remaining;
  if (!first) {
    throw new RunRefused(`every step of run ${started.runId} finished: nothing to resume`, ExitCode.failed);
  }
  if (!options.yes && !options.interactive) {
    const needing = stepsNeedingConfirmation({ ...runbook, spec: { ...runbook.spec, steps: remaining } });
    if (needing.length > 0) {
      throw new RunRefused(
        `pass --yes to resume unattended: there is no terminal to confirm steps ${needing.join(', ')}`,
        ExitCode.invalid,
      );
    }
  }

  const clusters = new Clusters({ ...options.connection, context: options.connection.context ?? started.context });
  // The run's own lock is taken over at once: the run died, or was stopped.
  const lock = await takeLock(await clusters.get(), {
    runbook: started.runbook,
    params: started.params,
    runId: started.runId,
    takeOver: options.takeOverLock,
    purpose: 'kubectl drill resume',
  });
  const journal = new Journal(runDir);
  const report = new ReportBuilder();
  for (const event of events) report.handle(event);
  // The view shows what is left to run.
  view.handle({ ...started, steps: started.steps.filter((step) => !done.has(step.id)) });
  const lastAt = Date.parse(events.at(-1)?.at ?? started.at);
  try {
    const guarded = underLock(lock, clusters, started.runId, options.events, journal.write, [
      report.handle,
      view.handle,
    ]);
    const result = await resumeRun(
      {
        ...carriedOver(started, runbook),
        params,
        clusters,
        interaction: options.yes ? automaticInteraction : view.interaction,
        ...guarded.wiring,
        signal: options.interrupts.signal,
        rollbackPolicy: options.rollbackPolicy,
        from: first.id,
      },
      prior,
      Date.now() - lastAt,
    );
    await guarded.flush();
    const notes = closingNotes(runDir, report.report, result.journalFailure);
    return { report: report.report, runDir, exitCode: exitCodeOf(result.status, result.missedTarget), notes };
  } finally {
    await lock.release();
    journal.close();
    await view.close();
  }
}

/** A run that succeeded, or whose changes were rolled back, has nothing to go on with. */
function refuseFinished(events: readonly RunEvent[], runId: string): void {
  const finished = events.findLast((event) => event.type === 'run.finished');
  if (finished?.type === 'run.finished' && finished.status === 'succeeded') {
    throw new RunRefused(`run ${runId} succeeded: nothing to resume`, ExitCode.failed);
  }
  const rolledBack = events.findLast((event) => event.type === 'rollback.started');
  if (rolledBack) {
    throw new RunRefused(
      `run ${runId} was rolled back at ${rolledBack.at}: its changes are undone, so start a new run`,
      ExitCode.failed,
    );
  }
}

/** What differs between the runbook the run kept and its file now, one line per step or part. */
export function runbookChanges(kept: string, file: string): string[] {
  if (!existsSync(file)) return [];
  const now = readFileSync(file, 'utf8');
  if (now === kept) return [];
  const before = parse(kept) as { spec?: Record<string, unknown> } | null;
  const after = parse(now) as { spec?: Record<string, unknown> } | null;
  // Comments and layout are not changes.
  if (isDeepStrictEqual(before, after)) return [];
  const stepsOf = (doc: typeof before) =>
    new Map(((doc?.spec?.steps ?? []) as { id?: string }[]).map((step) => [step.id ?? '', step]));
  const [was, is] = [stepsOf(before), stepsOf(after)];
  const lines = [
    ...[...was.keys()].filter((id) => !is.has(id)).map((id) => `step "${id}" was removed`),
    ...[...is.keys()].filter((id) => !was.has(id)).map((id) => `step "${id}" was added`),
    ...[...was]
      .filter(([id, step]) => is.has(id) && !isDeepStrictEqual(step, is.get(id)))
      .map(([id]) => `step "${id}" changed`),
  ];
  const order = (steps: Map<string, unknown>) => [...steps.keys()].filter((id) => was.has(id) && is.has(id)).join(',');
  if (order(was) !== order(is)) lines.push('the steps are in another order');
  for (const key of new Set([...Object.keys(before?.spec ?? {}), ...Object.keys(after?.spec ?? {})])) {
    if (key !== 'steps' && !isDeepStrictEqual(before?.spec?.[key], after?.spec?.[key]))
      lines.push(`spec.${key} changed`);
  }
  return lines.length > 0 ? lines : ['its apiVersion, kind or metadata changed'];
}
