// What `run` and `resume` share at the terminal: signals wired to the run's Interrupts, the live
// view in a terminal or plain lines otherwise, and the report at the end (summary, or -o json).
// Refusals and API failures come back to the command as errors to report the oclif way.
import { type Command, Errors } from '@oclif/core';
import type { DrillResult, RunView } from '../engine/session.ts';
import type { Interrupts } from '../engine/interrupts.ts';
import type { InterruptSignal } from '../engine/runner.ts';
import { engine } from '../engine-loader.ts';
import { isInteractive } from './flags.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Runs `drill` with a view and signal handling; writes the report to `log`; returns the exit code. */
export async function driveRun(
  output: string,
  log: (text: string) => void,
  drill: (interrupts: Interrupts, view: RunView) => Promise<DrillResult>,
): Promise<number> {
  const { ExitCode, Interrupts, defaultJournalDir } = await engine.get();
  const interrupts = new Interrupts();
  const onSignal = (name: InterruptSignal): void => {
    const answer = interrupts.receive(name);
    if (answer === 'warn') {
      process.stderr.write(
        `\n${name}: rolling back what the drill changed; once more stops at once and leaves the rest to kubectl drill rollback\n`,
      );
    }
    if (answer === 'exit') process.exit(ExitCode.interrupted);
  };
  for (const name of SIGNALS) process.on(name, onSignal);
  try {
    const view =
      output === 'text' && isInteractive()
        ? (await import('./live.ts')).liveView(() => {
            onSignal('SIGINT');
          })
        : (await import('./plain.ts')).plainView((line) => {
            process.stderr.write(`${line}\n`);
          });
    const result = await drill(interrupts, view);
    try {
      if (output === 'json') {
        log(JSON.stringify(result.report, null, 2));
      } else {
        const { renderClosing, renderSummary } = await import('../report/summary.ts');
        const closing = renderClosing(result.report, result.runDir, defaultJournalDir());
        log(`\n${renderSummary(result.report)}\n\njournal and report: ${result.runDir}\n${closing.join('\n')}`);
      }
    } catch (error) {
      // The run is over and rolled back: a summary that cannot be drawn never changes its exit code.
      process.stderr.write(`the summary could not be shown (${String(error)}); the report is in ${result.runDir}\n`);
    }
    for (const note of result.notes) process.stderr.write(`${note}\n`);
    return result.exitCode;
  } finally {
    for (const name of SIGNALS) process.off(name, onSignal);
  }
}

/** A command's failure the oclif way: a refusal with its details and exit code, else one clean line. */
export async function failCommand(command: Command, error: unknown): Promise<never> {
  const { ExitCode, RunRefused, describeError } = await engine.get();
  if (error instanceof RunRefused) {
    for (const line of error.details) command.logToStderr(line);
    command.error(error.message, { exit: error.exitCode });
  }
  if (error instanceof Errors.ExitError) throw error;
  command.error(describeError(error), { exit: ExitCode.failed });
}
