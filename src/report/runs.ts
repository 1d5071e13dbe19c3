// Reports read back from run folders, for `kubectl drill report` and `history`: the journal is the
// record, report.json only a cache of it, so every report here is folded from the journal alone
// (run-folder.ts reads it, leaving out a last line cut short by a kill). A journal without
// `run.finished` is a run that was killed or is still going: it reports as interrupted, its
// unfinished step too, never as an error. Whatever the journal holds is masked again on the way
// out (the run's Redactor masked it when written; this adds what the kept runbook says is secret,
// and credentials in URLs by their shape), so no report shows a secret.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FILE, listRuns, readJournal, RUNBOOK_COPY } from '../engine/run-folder.ts';
import { paramRedactor, Redactor } from '../engine/redact.ts';
import { parseRunbookYaml } from '../runbook/parse.ts';
import { paramValues } from '../runbook/semantic.ts';
import { type Report, ReportBuilder } from './model.ts';

export interface LoadedRun {
  dir: string;
  report: Report;
}

/** A run folder's report, from its journal. */
export function loadRun(dir: string): LoadedRun {
  const { events, truncated } = readJournal(dir);
  const builder = new ReportBuilder();
  for (const event of events) builder.handle(event);
  const report = builder.report;
  const last = events.at(-1);
  if (report.status === 'running' && last) {
    report.unfinished = { lastEventAt: last.at, journalCut: truncated };
    report.status = 'interrupted';
    report.finishedAt = last.at;
    report.durationMs = last.t;
    report.reason = `the journal ends at ${last.at} without run.finished: the run was killed (or is still going)`;
    for (const step of report.steps) {
      if (step.startMs === undefined || step.status !== 'not-run') continue;
      Object.assign(step, { status: 'interrupted', endMs: last.t, durationMs: last.t - step.startMs });
    }
  }
  return { dir, report: redactorOf(dir).value(report) };
}

/** The runbook the run kept says which params are secret; their defaults are masked too. */
function redactorOf(dir: string): Redactor {
  const copy = join(dir, RUNBOOK_COPY);
  if (!existsSync(copy)) return new Redactor();
  const parsed = parseRunbookYaml(readFileSync(copy, 'utf8'), copy);
  if (!parsed.ok) return new Redactor();
  return paramRedactor(parsed.data, paramValues(parsed.data, {}));
}

/**
 * The run folders under `dir`, oldest first: `dir` itself when it is one (a folder copied from a
 * colleague), else the run folders in it (a journal dir, or a directory of copied folders).
 */
export function runDirsIn(dir: string): string[] {
  if (existsSync(join(dir, JOURNAL_FILE))) return [dir];
  return listRuns(dir).map((name) => join(dir, name));
}
