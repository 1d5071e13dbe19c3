// The live view for a terminal: a listr2 task list with each step's elapsed time against its
// target, ora for the single waits before it, and every question asked inside the running step's
// task through listr2's inquirer adapter.
import { confirm, select } from '@inquirer/prompts';
import { ListrInquirerPromptAdapter } from '@listr2/prompt-adapter-inquirer';
import { type DefaultRenderer, Listr, type ListrTaskWrapper, type SimpleRenderer } from 'listr2';
import ora from 'ora';
import type { PlannedStep, RunEvent, StepFinished, StepPhase } from '../engine/events.ts';
import type { Approval, Interaction, StepRef } from '../engine/interaction.ts';
import type { RunView } from '../engine/session.ts';
import { glyphsFor, shareBar, sparkline } from '../report/chart.ts';
import { formatElapsed } from '../report/format.ts';
import { describeCounts } from '../report/summary.ts';

type Task = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>;

/** One row of the list: created from run.started, driven by the step's events. */
interface Row {
  planned: PlannedStep;
  rollback: boolean;
  task?: Task;
  /** Resolves once listr2 has entered the row's task, so questions can be asked in it. */
  entered: Promise<Task>;
  enter: (task: Task) => void;
  startedAt?: number;
  finished?: StepFinished;
  settle?: (error?: Error) => void;
  buffered: RunEvent[];
  /** A drain's remaining share, sample by sample, for its bar and sparkline. */
  shares: number[];
  /** The bar and sparkline of those samples, drawn in the row's title (redrawn in place). */
  shareText?: string;
}

/** How many of a drain's latest samples its sparkline shows. */
const SPARK_SAMPLES = 30;

/** The rollback list's last row: the recorded changes being undone. */
const UNDO_ROW = 'rollback/(undo)';

/** Raised when the person presses Ctrl-C at a prompt (inquirer's ExitPromptError). */
function isPromptExit(error: unknown): boolean {
  return error instanceof Error && error.name === 'ExitPromptError';
}

export function liveView(interrupt: () => void): RunView {
  const rows = new Map<string, Row>();
  const glyphs = glyphsFor();
  /** One listr2 list per phase: the steps, then (if the run is rolled back) the rollback. */
  const lists: Promise<unknown>[] = [];
  let ticker: NodeJS.Timeout | undefined;
  /** Set once a phase's list must wind down: its rows the run never reached are shown as not run. */
  const over = new Set<StepPhase>();

  const title = (row: Row): string => {
    const target = row.planned.targetMs === undefined ? '' : ` / ${formatElapsed(row.planned.targetMs)}`;
    const name = `${row.rollback ? 'rollback: ' : ''}${row.planned.name}`;
    if (row.finished) {
      const mark = row.finished.metTarget === false ? ' target MISSED' : '';
      const drained = row.finished.outputs?.timeToDrain === undefined ? 'measured' : 'drained in';
      const measured =
        row.finished.measuredMs === undefined ? '' : ` (${drained} ${formatElapsed(row.finished.measuredMs)})`;
      return `${name}  ${formatElapsed(row.finished.durationMs)}${measured}${target}${mark}`;
    }
    if (row.startedAt === undefined) return name;
    const share = row.shareText === undefined ? '' : `  ${row.shareText}`;
    return `${name}  ${formatElapsed(performance.now() - row.startedAt)}${target}${share}`;
  };

  const apply = (row: Row, event: RunEvent): void => {
    const task = row.task;
    if (!task) {
      row.buffered.push(event);
      return;
    }
    if (event.type === 'step.started' || event.type === 'rollback.started') {
      row.startedAt = performance.now();
      task.title = title(row);
    } else if (event.type === 'step.progress') {
      const share = event.data?.share;
      if (typeof share === 'number') {
        row.shares.push(share);
        const recent = row.shares.slice(-SPARK_SAMPLES);
        row.shareText = `${shareBar(share, 20, glyphs)} ${sparkline(recent, glyphs, { min: 0, max: 1 })}`;
        task.title = title(row);
      } else {
        task.output = event.message;
      }
    } else if (event.type === 'undo.finished') {
      task.output = event.lines.at(-1) ?? event.result;
    } else if (event.type === 'step.finished') {
      row.finished = event;
      task.title = title(row);
      if (event.status === 'skipped') task.skip(`${row.planned.name} (skipped)`);
      row.settle?.(
        event.status === 'succeeded' || event.status === 'skipped' ? undefined : new Error(event.error ?? event.status),
      );
    } else if (event.type === 'rollback.finished') {
      task.title = `rollback: ${row.planned.name}  ${formatElapsed(event.durationMs)}: ${describeCounts(event.counts)}`;
      row.settle?.(event.status === 'succeeded' ? undefined : new Error(`rollback ${event.status}`));
    }
  };

  const newRow = (planned: PlannedStep, rollback: boolean): Row => {
    const { promise, resolve } = Promise.withResolvers<Task>();
    return { planned, rollback, buffered: [], shares: [], entered: promise, enter: resolve };
  };

  const startList = (phase: StepPhase, phaseRows: Row[]): void => {
    const tasks = phaseRows.map((row) => ({
      title: title(row),
      task: (_ctx: unknown, task: Task) =>
        new Promise<void>((resolve, reject) => {
          if (over.has(phase) && row.buffered.length === 0) {
            task.skip(`${row.planned.name} (not run)`);
            resolve();
            return;
          }
          row.task = task;
          row.enter(task);
          row.settle = (error) => {
            if (error) reject(error);
            else resolve();
          };
          for (const buffered of row.buffered.splice(0)) apply(row, buffered);
        }),
      rendererOptions: { persistentOutput: true, outputBar: 3 },
    }));
    lists.push(
      // Signals are the run's to handle (interrupt, then roll back): listr2's own would exit at once.
      new Listr(tasks, {
        exitOnError: false,
        registerSignalListeners: false,
        rendererOptions: { collapseErrors: false },
      })
        .run()
        .catch(() => undefined),
    );
    ticker ??= setInterval(() => {
      for (const row of rows.values())
        if (row.task && !row.finished && row.startedAt !== undefined) row.task.title = title(row);
    }, 200);
  };

  /** Ends a phase's list: rows it never reached are not run; resolves once it has drawn its last. */
  const endPhase = async (phase: StepPhase): Promise<void> => {
    over.add(phase);
    for (const [key, row] of rows) {
      if (key.startsWith(`${phase}/`) && !row.finished && row.task) {
        row.task.skip(`${row.planned.name} (not run)`);
        row.settle?.();
      }
    }
    await Promise.all(lists);
  };

  const rowOf = (event: RunEvent): Row | undefined => {
    if (event.type === 'undo.finished' || event.type === 'rollback.finished') return rows.get(UNDO_ROW);
    if ('step' in event && 'phase' in event) return rows.get(`${event.phase}/${event.step}`);
    return rows.get(`steps/${'step' in event ? event.step : ''}`);
  };

  const ask = async <T>(step: StepRef, question: (task: Task) => Promise<T>): Promise<T> => {
    const row = [...rows.values()].find((r) => !r.rollback && r.planned.id === step.id && !r.finished);
    if (!row) throw new Error(`no step "${step.id}" to ask in`);
    try {
      return await question(await row.entered);
    } catch (error) {
      if (isPromptExit(error)) interrupt();
      throw error;
    }
  };

  const interaction: Interaction = {
    automatic: false,
    approve: (step, plan) =>
      ask(
        step,
        async (task) =>
          await task.prompt(ListrInquirerPromptAdapter).run(select<Approval>, {
            message: `${step.name}: ${plan}`,
            choices: [
              { name: 'Run it', value: 'run' },
              { name: 'Skip this step', value: 'skip' },
              { name: 'Abort the drill', value: 'abort' },
            ],
          }),
      ),
    confirm: (step, instructions, question) =>
      ask(step, async (task) => {
        task.output = instructions;
        return await task.prompt(ListrInquirerPromptAdapter).run(confirm, { message: question, default: false });
      }),
    // Between the two lists, once the steps' list has drawn its last.
    confirmRollback: async (question) => {
      await endPhase('steps');
      return await confirm({ message: question, default: true });
    },
  };

  let pending: Promise<void> = Promise.resolve();
  return {
    interaction,
    wait: async (text, work) => {
      const spinner = ora(text).start();
      try {
        const value = await work;
        spinner.succeed();
        return value;
      } catch (error) {
        spinner.fail();
        throw error;
      }
    },
    handle: (event) => {
      if (event.type === 'run.started') {
        for (const planned of event.steps) rows.set(`steps/${planned.id}`, newRow(planned, false));
        startList('steps', [...rows.values()]);
        return;
      }
      if (event.type === 'rollback.started') {
        const phaseRows = event.steps.map((planned) => newRow(planned, true));
        for (const row of phaseRows) rows.set(`rollback/${row.planned.id}`, row);
        const undo = newRow({ id: 'undo', name: `undo ${event.records.length} recorded changes`, action: '' }, true);
        rows.set(UNDO_ROW, undo);
        apply(undo, event);
        pending = endPhase('steps').then(() => {
          startList('rollback', [...phaseRows, undo]);
        });
        return;
      }
      if (event.type === 'run.finished') {
        pending = pending.then(async () => {
          await endPhase('steps');
          await endPhase('rollback');
        });
        return;
      }
      const row = rowOf(event);
      if (row) apply(row, event);
    },
    close: async () => {
      await pending;
      clearInterval(ticker);
      await Promise.all(lists);
    },
  };
}
