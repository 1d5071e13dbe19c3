// What `kubectl drill report` and `history` do between their flags and their output: find the run
// folders, fold each journal into its report (runs.ts), and render it in the format asked for.
// Nothing here touches a cluster, so neither command loads the Kubernetes client.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { findRunDir } from '../engine/run-folder.ts';
import { parseRunbookYaml } from '../runbook/parse.ts';
import { glyphsFor } from './chart.ts';
import { historiesOf } from './history/model.ts';
import { historyRenderer } from './history/registry.ts';
import type { Report } from './model.ts';
import { reportRenderer } from './render/registry.ts';
import { loadRun, runDirsIn } from './runs.ts';

/** The report of a run (an id in the journal dir, or a folder), or of the latest run there. */
export function showReport(options: { run?: string; journalDir: string; output: string }): string {
  const renderer = reportRenderer(options.output);
  let dir: string;
  if (options.run !== undefined) {
    dir = findRunDir(options.run, options.journalDir);
  } else {
    const latest = runDirsIn(options.journalDir).at(-1);
    if (latest === undefined) throw new Error(`no runs in ${options.journalDir}`);
    dir = latest;
  }
  return renderer.render(loadRun(dir).report, { glyphs: glyphsFor() });
}

export interface HistoryShown {
  text: string;
  /** Run folders left out, and why (a damaged journal). */
  skipped: string[];
}

/** The history of one runbook (a name, or a runbook file), or of every runbook found. */
export function showHistory(options: {
  runbook?: string;
  journalDir: string;
  output: string;
  /** The terminal's columns, when the text goes to one. */
  width?: number;
}): HistoryShown {
  const renderer = historyRenderer(options.output);
  const skipped: string[] = [];
  const reports: Report[] = [];
  for (const dir of runDirsIn(options.journalDir)) {
    try {
      reports.push(loadRun(dir).report);
    } catch (error) {
      skipped.push(`${dir}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const name = options.runbook === undefined ? undefined : runbookName(options.runbook);
  const chosen = name === undefined ? reports : reports.filter((r) => r.runbook === name);
  if (name !== undefined && chosen.length === 0) {
    const known = [...new Set(reports.map((r) => r.runbook))];
    throw new Error(
      `no runs of runbook "${name}" in ${options.journalDir}` +
        (known.length > 0 ? ` (it has runs of ${known.join(', ')})` : ' (it holds no runs)'),
    );
  }
  return { text: renderer.render(historiesOf(chosen), { glyphs: glyphsFor(), width: options.width }), skipped };
}

/** A runbook file gives its metadata.name; anything else is taken as the name. */
function runbookName(runbook: string): string {
  if (!existsSync(runbook) || !statSync(runbook).isFile()) return runbook;
  const parsed = parseRunbookYaml(readFileSync(runbook, 'utf8'), runbook);
  const data = parsed.ok ? (parsed.data as { metadata?: { name?: unknown } } | undefined) : undefined;
  const name = data?.metadata?.name;
  if (typeof name !== 'string') throw new Error(`${runbook} has no metadata.name: is it a runbook?`);
  return name;
}
