import { Args, Command, Flags } from '@oclif/core';
import { engine } from '../engine-loader.ts';
import {
  connectionFlags,
  connectionOptions,
  eventsFlag,
  isInteractive,
  journalDirFlag,
  outputFlag,
  parseSetFlags,
  rollbackPolicyFlag,
  takeOverLockFlag,
  yesFlag,
} from '../ui/flags.ts';

export default class Resume extends Command {
  static override summary = 'Go on with an interrupted or killed run from its first unfinished step.';
  static override description =
    'Works from the run folder alone: the runbook the run kept, its params and context, and the outputs of the ' +
    'steps that finished. A step that had started but not finished runs again (actions are re-runnable). The ' +
    'resumed part is journaled in the same run after a run.resumed event that gives the gap. A runbook file changed ' +
    'since the run started is refused, naming what changed, unless --ignore-runbook-changes. A run that succeeded ' +
    'or was rolled back has nothing to resume.\n\nExit codes as for run.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> evacuate-region-20261128T101500-1a2b --yes',
    '<%= config.bin %> <%= command.id %> ./copied-runs/evacuate-region-20261128T101500-1a2b',
  ];
  static override args = {
    run: Args.string({ description: 'Run id (in the journal dir) or run folder.', required: true }),
  };
  static override flags = {
    ...connectionFlags,
    yes: yesFlag,
    'journal-dir': journalDirFlag,
    'ignore-runbook-changes': Flags.boolean({
      description: 'Go on with the runbook the run started with although its file changed since.',
    }),
    set: Flags.string({
      description: 'The value of a secret param the steps left use, as name=value; repeatable.',
      multiple: true,
    }),
    output: outputFlag,
    rollback: rollbackPolicyFlag,
    'take-over-lock': takeOverLockFlag,
    events: eventsFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Resume);
    const parsedSet = parseSetFlags(flags.set ?? []);
    if (!parsedSet.ok) this.error(parsedSet.error, { exit: 2 });
    const { set } = parsedSet;
    const { resumeDrill } = await engine.get();
    const { driveRun, failCommand } = await import('../ui/drive.ts');
    try {
      const exitCode = await driveRun(
        flags.output,
        (text) => {
          this.log(text);
        },
        (interrupts, view) =>
          resumeDrill(
            {
              run: args.run,
              journalDir: flags['journal-dir'],
              connection: connectionOptions(flags),
              ignoreRunbookChanges: flags['ignore-runbook-changes'],
              set,
              yes: flags.yes,
              interactive: isInteractive(),
              interrupts,
              rollbackPolicy: flags.rollback,
              takeOverLock: flags['take-over-lock'],
              events: flags.events,
            },
            view,
          ),
      );
      this.exit(exitCode);
    } catch (error) {
      await failCommand(this, error);
    }
  }
}
