// The live view for a terminal: a listr2 task list with each step's elapsed time against its
// target, ora for the single waits before it, and every question asked inside the running step's
// task through listr2's inquirer adapter.
import { confirm, select } from '@inquirer/prompts';
import { ListrInquirerPromptAdapter } from '@listr2/prompt-adapter-inquirer';
import { type DefaultRenderer, Listr, type ListrTaskWrapper, type SimpleRenderer } from 'listr2';
import ora from 'ora';
import type { PlannedStep, RunEvent, StepFinished } from '../engine/events.ts';
import type { Approval, Interaction, StepRef } from '../engine/interaction.ts';
import type { RunView } from '../engine/session.ts';
import { formatElapsed } from '../report/format.ts';

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
}

/** Raised when the person presses Ctrl-C at a prompt (inquirer's ExitPromptError). */
function isPromptExit(error: unknown): boolean {
  return error instanceof Error && error.name === 'ExitPromptError';
}

export function liveView(interrupt: () => void): RunView {
  const rows = new Map<string, Row>();
  let list: Promise<unknown> | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let runOver = false;

  const title = (row: Row): string => {
    const target = row.planned.targetMs === undefined ? '' : ` / ${formatElapsed(row.planned.targetMs)}`;
    const name = `${row.rollback ? 'rollback: ' : ''}${row.planned.name}`;
    if (row.finished) {
      const mark = row.finished.metTarget === false ? ' target MISSED' : '';
      return `${name}  ${formatElapsed(row.finished.durationMs)}${target}${mark}`;
    }
    return row.startedAt === undefined ? name : `${name}  ${formatElapsed(performance.now() - row.startedAt)}${target}`;
  };

  const apply = (row: Row, event: RunEvent): void => {
    const task = row.task;
    if (!task) {
      row.buffered.push(event);
      return;
    }
    if (event.type === 'step.started') {
      row.startedAt = performance.now();
      task.title = title(row);
    } else if (event.type === 'step.progress') {
      task.output = event.message;
    } else if (event.type === 'step.finished') {
      row.finished = event;
      task.title = title(row);
      if (event.status === 'skipped') task.skip(`${row.planned.name} (skipped)`);
      row.settle?.(
        event.status === 'succeeded' || event.status === 'skipped' ? undefined : new Error(event.error ?? event.status),
      );
    }
  };

  const start = (event: Extract<RunEvent, { type: 'run.started' }>): void => {
    const row = (planned: PlannedStep, rollback: boolean): Row => {
      const { promise, resolve } = Promise.withResolvers<Task>();
      return { planned, rollback, buffered: [], entered: promise, enter: resolve };
    };
    for (const planned of event.steps) rows.set(`steps/${planned.id}`, row(planned, false));
    for (const planned of event.rollback) rows.set(`rollback/${planned.id}`, row(planned, true));
    const tasks = [...rows.values()].map((row) => ({
      title: title(row),
      // Rollback rows only appear when a failure sets them off.
      enabled: () => !row.rollback || row.startedAt !== undefined || row.buffered.length > 0,
      task: (_ctx: unknown, task: Task) =>
        new Promise<void>((resolve, reject) => {
          if (runOver && row.buffered.length === 0) {
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
          // Steps the run never reaches (--from, --only, a failure before them) are skipped at run.finished.
        }),
      rendererOptions: { persistentOutput: true, outputBar: 3 },
    }));
    list = new Listr(tasks, { exitOnError: false, rendererOptions: { collapseErrors: false } })
      .run()
      .catch(() => undefined);
    ticker = setInterval(() => {
      for (const row of rows.values())
        if (row.task && !row.finished && row.startedAt !== undefined) row.task.title = title(row);
    }, 200);
  };

  const rowOf = (event: RunEvent): Row | undefined =>
    'step' in event && 'phase' in event
      ? rows.get(`${event.phase}/${event.step}`)
      : rows.get(`steps/${'step' in event ? event.step : ''}`);

  const ask = async <T>(step: StepRef, question: (task: Task) => Promise<T>): Promise<T> => {
    const row = [...rows.values()].find((r) => r.planned.id === step.id && !r.finished);
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
  };

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
        start(event);
        return;
      }
      if (event.type === 'run.finished') {
        runOver = true;
        for (const row of rows.values()) {
          if (!row.finished && row.task) {
            row.task.skip(`${row.planned.name} (not run)`);
            row.settle?.();
          }
        }
        return;
      }
      const row = rowOf(event);
      if (row) apply(row, event);
    },
    close: async () => {
      clearInterval(ticker);
      await list;
    },
  };
}
