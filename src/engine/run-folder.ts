// A run's folder, `<journal-dir>/<run-id>/`: the journal, the runbook as it ran (and its hash),
// and report.json. Everything `rollback` (and later `resume` and `report`) needs is read back from
// here alone, so a folder copied to a colleague's machine works the same.
//
// A run killed while writing an event leaves a last line cut short; it is reported and left out,
// since every event before it was flushed whole. A bad line anywhere else is a damaged journal.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Report } from '../report/model.ts';
import type { Runbook } from '../runbook/schema.ts';
import { secretParams } from '../runbook/semantic.ts';
import { templateReferences } from '../runbook/template.ts';
import type { RunEvent, RunStarted, UndoRecorded } from './events.ts';
import type { PriorRun, RecordedChange } from './runner.ts';
import { writeOwnerFile } from './owner-only.ts';
import { ExitCode, RunRefused } from './session.ts';
import { JOURNAL_FILE, listRuns } from './journal-dir.ts';

export { JOURNAL_FILE, listRuns };

export const RUNBOOK_COPY = 'runbook.yaml';
export const REPORT_FILE = 'report.json';

/** Stores the runbook's text beside the journal; returns its sha256 for run.started. */
export function keepRunbook(source: string, runDir: string): string {
  writeOwnerFile(join(runDir, RUNBOOK_COPY), source);
  return sha256(source);
}

export function writeReport(runDir: string, report: Report): void {
  writeOwnerFile(join(runDir, REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A run id in the journal dir, or a path to a run folder. */
export function findRunDir(idOrDir: string, journalDir: string): string {
  const candidates = [
    ...(isAbsolute(idOrDir) || idOrDir.includes('/') ? [resolve(idOrDir)] : []),
    join(journalDir, idOrDir),
  ];
  const found = candidates.find((dir) => existsSync(join(dir, JOURNAL_FILE)));
  if (found) return found;
  const recent = listRuns(journalDir).slice(-3).reverse();
  throw new Error(
    `no run "${idOrDir}" in ${journalDir}` +
      (recent.length > 0 ? ` (latest: ${recent.join(', ')})` : ' (it holds no runs)'),
  );
}

export interface JournalRead {
  events: RunEvent[];
  /** The last line was cut short (the run was killed while writing it) and left out. */
  truncated: boolean;
}

export function readJournal(runDir: string): JournalRead {
  const path = join(runDir, JOURNAL_FILE);
  const lines = readFileSync(path, 'utf8').split('\n');
  const complete = lines.pop() === '';
  const events: RunEvent[] = [];
  let truncated = !complete;
  lines.forEach((line, index) => {
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      if (index < lines.length - 1 || complete) {
        throw new Error(`${path}:${index + 1}: not a journal event: the journal is damaged`);
      }
      truncated = true;
    }
  });
  return { events, truncated };
}

/** What a later command (rollback, resume) carries over from the run it goes on with. */
export function carriedOver(started: RunStarted, runbook: Runbook) {
  return {
    runId: started.runId,
    runbook,
    file: started.file,
    runbookSha256: started.runbookSha256,
    params: started.params,
  };
}

/** What a rollback needs from a journal: the run's start, its steps' outputs and its recorded changes. */
export function priorRunOf(events: readonly RunEvent[]): { started: RunStarted; prior: PriorRun } {
  const started = events.find((event): event is RunStarted => event.type === 'run.started');
  if (!started) throw new Error('the journal has no run.started event: nothing was run');
  const outputs: PriorRun['outputs'] = {};
  const changes: RecordedChange[] = [];
  const settled: number[] = [];
  const stepStarts: PriorRun['stepStarts'] = {};
  let missedTarget = false;
  let nextId = 1;
  for (const event of events) {
    if (event.type === 'step.started' && event.phase === 'steps') {
      stepStarts[event.step] = event.t;
    } else if (event.type === 'step.finished' && event.phase === 'steps' && event.status === 'succeeded') {
      outputs[event.step] = event.outputs ?? {};
      if (event.metTarget === false) missedTarget = true;
    } else if (event.type === 'span.measured' && event.metTarget === false) {
      missedTarget = true;
    } else if (event.type === 'undo.recorded') {
      nextId = Math.max(nextId, event.id + 1);
      if (event.phase === 'steps') changes.push(recordOf(event));
    } else if (event.type === 'undo.finished' && event.result !== 'failed') {
      settled.push(event.id);
    }
  }
  return {
    started,
    prior: { startedAt: started.at, outputs, changes, settled, nextId, stepStarts, missedTarget },
  };
}

function recordOf(event: UndoRecorded): RecordedChange {
  return { id: event.id, step: event.step, context: event.context, change: event.change };
}

/** The runbook the run kept, checked against the hash its journal gives. */
export function readRunbookCopy(runDir: string, started: RunStarted): { copy: string; source: string } {
  const copy = join(runDir, RUNBOOK_COPY);
  if (!existsSync(copy)) throw new Error(`${runDir} has no ${RUNBOOK_COPY}: not a run folder`);
  const source = readFileSync(copy, 'utf8');
  if (sha256(source) !== started.runbookSha256) {
    throw new Error(`${copy} is not the runbook the run ran: its sha256 differs from the journal's`);
  }
  return { copy, source };
}

/**
 * For a command that goes on with a run from its journal, where secret params are `***`: only
 * secret params may be given again, and every one the steps to run use must be.
 */
export function checkSecretsGiven(
  runbook: Runbook,
  set: Record<string, string>,
  steps: readonly { id?: string; with?: unknown; name?: string }[],
  command: 'rollback' | 'resume',
): void {
  const secrets = secretParams(runbook);
  const notSecret = Object.keys(set).filter((name) => !secrets.includes(name));
  if (notSecret.length > 0) {
    throw new RunRefused(
      `--set ${notSecret.join(', ')}: ${command} takes the run's params from its journal; only secret params ` +
        `(${secrets.join(', ') || 'none in this runbook'}) can be given`,
      ExitCode.invalid,
    );
  }
  const missing = steps.flatMap((step) =>
    templateReferences(step)
      .flatMap((reference) => (reference.kind === 'param' ? [reference.name] : []))
      .filter((name) => secrets.includes(name) && !Object.hasOwn(set, name))
      .map((name) => ({ step: step.id, name })),
  );
  if (missing.length > 0) {
    const names = [...new Set(missing.map((m) => m.name))];
    throw new RunRefused(
      `${command} needs secret params the run did not keep: pass ${names.map((n) => `--set ${n}=VALUE`).join(' ')}`,
      ExitCode.invalid,
      [
        ...new Set(
          missing.map(
            (m) => `${command === 'rollback' ? 'rollback ' : ''}step "${m.step ?? ''}" uses secret param "${m.name}"`,
          ),
        ),
      ],
    );
  }
}
