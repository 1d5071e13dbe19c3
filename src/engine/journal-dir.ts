// Where run folders are and which runs a journal dir holds: what `run` needs to place a run and
// what `rollback`, `resume`, `report` and shell completion need to find one. Kept apart from the
// run folder's readers so completion can list run ids without loading the engine.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const JOURNAL_FILE = 'journal.jsonl';

export function defaultJournalDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.KUBECTL_DRILL_HOME ?? join(homedir(), '.kube', 'drill'), 'runs');
}

/** Run ids in a journal dir, oldest first (ids begin with the runbook's name, so by folder time). */
export function listRuns(journalDir: string): string[] {
  if (!existsSync(journalDir)) return [];
  return readdirSync(journalDir)
    .filter((name) => existsSync(join(journalDir, name, JOURNAL_FILE)))
    .map((name) => ({ name, time: statSync(join(journalDir, name)).mtimeMs }))
    .sort((a, b) => a.time - b.time)
    .map(({ name }) => name);
}
