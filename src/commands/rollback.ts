import { Args, Command, Flags } from '@oclif/core';
import { engine } from '../engine-loader.ts';
import {
  connectionFlags,
  connectionOptions,
  eventsFlag,
  journalDirFlag,
  outputFlag,
  parseSetFlags,
  takeOverLockFlag,
} from '../ui/flags.ts';

export default class Rollback extends Command {
  static override summary =
    "Roll back a run: its runbook's rollback steps, then every change it journaled, newest first.";
  static override description =
    'Works from the run folder alone (after SIGKILL, a power cut, or with the folder copied to another machine): ' +
    'the runbook the run kept, its params and its journaled changes. Each change is undone only where the object ' +
    'still holds the value the drill set; a field someone changed since is a conflict, reported and left alone. ' +
    "Events are appended to the run's journal; running it again is harmless. It takes over the run's own lock at " +
    'once; another run holding it refuses the rollback (exit 1) unless --take-over-lock.\n\n' +
    "The params are the run's own, from its journal. A param marked secret is masked there (the run kept its " +
    'value nowhere): give it again with --set name=value if a rollback step uses it; the rollback is refused, ' +
    'naming it, until it is.\n\n' +
    'Exit codes: 0 everything put back or already as before, 1 a conflict, a failed undo, or a run that cannot be ' +
    'rolled back (unknown, or succeeded without --force).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> evacuate-region-20261128T101500-1a2b',
    '<%= config.bin %> <%= command.id %> ./copied-runs/evacuate-region-20261128T101500-1a2b',
    '<%= config.bin %> <%= command.id %> evacuate-region-20261128T101500-1a2b --set pagerToken="$PAGER_TOKEN"',
  ];
  static override args = {
    run: Args.string({ description: 'Run id (in the journal dir) or run folder.', required: true }),
  };
  static override flags = {
    ...connectionFlags,
    'journal-dir': journalDirFlag,
    force: Flags.boolean({ description: 'Also roll back a run that succeeded.' }),
    set: Flags.string({
      description: 'The value of a secret param a rollback step uses, as name=value; repeatable.',
      multiple: true,
    }),
    'take-over-lock': takeOverLockFlag,
    events: eventsFlag,
    output: outputFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Rollback);
    const parsedSet = parseSetFlags(flags.set ?? []);
    if (!parsedSet.ok) this.error(parsedSet.error, { exit: 2 });
    const { set } = parsedSet;
    const { rollbackDrill } = await engine.get();
    const { plainView } = await import('../ui/plain.ts');
    const view = plainView((line) => {
      process.stderr.write(`${line}\n`);
    });
    try {
      const result = await rollbackDrill(
        {
          run: args.run,
          journalDir: flags['journal-dir'],
          connection: connectionOptions(flags),
          force: flags.force,
          set,
          takeOverLock: flags['take-over-lock'],
          events: flags.events,
        },
        view,
      );
      for (const note of result.notes) this.logToStderr(note);
      if (flags.output === 'json') {
        this.log(JSON.stringify({ runDir: result.runDir, rollback: result.report.rollback ?? null }, null, 2));
      } else if (result.status && result.report.rollback) {
        const { renderRollback } = await import('../report/summary.ts');
        this.log(renderRollback(result.report.rollback).join('\n'));
      }
      this.exit(result.exitCode);
    } catch (error) {
      const { failCommand } = await import('../ui/drive.ts');
      await failCommand(this, error);
    }
  }
}
