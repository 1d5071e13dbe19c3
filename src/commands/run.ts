import { Args, Command, Flags } from '@oclif/core';
import { engine } from '../engine-loader.ts';
import {
  connectionFlags,
  connectionOptions,
  eventsFlag,
  isInteractive,
  parseSetFlags,
  rollbackPolicyFlag,
  setFlag,
  journalDirFlag,
  outputFlag,
  yesFlag,
  takeOverLockFlag,
} from '../ui/flags.ts';

export default class Run extends Command {
  static override summary = 'Run a runbook: each step in order, timed against its target, journaled.';
  static override description =
    'Validates the runbook, checks every permission it needs, then runs its steps. In a terminal each step that ' +
    'changes the cluster asks first (--yes skips that) and manual steps prompt. Every event goes to ' +
    '<journal-dir>/<run-id>/journal.jsonl as it happens; the run ends with report.json and a summary.\n\n' +
    'Exit codes: 0 all steps succeeded and met their targets, 1 a step failed or the run was aborted, ' +
    '2 usage or validation error, 3 all steps succeeded but a target was missed, 130 interrupted.\n\n' +
    'A run that stops short of success (a failed step, an abortIf trip, an abort answer, Ctrl-C, SIGTERM, SIGHUP) ' +
    "runs the runbook's rollback steps, then undoes every change it journaled, newest first (--rollback). " +
    'During that rollback a second Ctrl-C is answered; a third exits at once (kubectl drill rollback RUN_ID finishes it).\n\n' +
    'One drill at a time: a run holds a Lease in namespace kubectl-drill (drill-<runbook>, or drill-<runbook>.<region> ' +
    'when the runbook has a region param) from before its first change until it has ended; a second run is refused ' +
    '(exit 1) naming the holder. Each step that changes the cluster leaves Kubernetes Events (kubectl get events).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> runbooks/evacuate-region.yaml --set region=us-east',
    '<%= config.bin %> <%= command.id %> runbooks/evacuate-region.yaml --yes --journal-dir ./runs',
  ];
  static override args = { runbook: Args.string({ description: 'Runbook file.', required: true }) };
  static override flags = {
    ...connectionFlags,
    set: setFlag,
    'dry-run': Flags.boolean({
      description: 'Show what each step would do, resolved against the cluster; change nothing.',
    }),
    yes: yesFlag,
    from: Flags.string({ description: 'Start at this step; the ones before it are skipped.', exclusive: ['only'] }),
    only: Flags.string({ description: 'Run only this step.' }),
    'journal-dir': journalDirFlag,
    output: outputFlag,
    rollback: rollbackPolicyFlag,
    'take-over-lock': takeOverLockFlag,
    events: eventsFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Run);
    const parsedSet = parseSetFlags(flags.set ?? []);
    if (!parsedSet.ok) this.error(parsedSet.error, { exit: 2 });
    const { set } = parsedSet;
    const { printPlan, runDrill } = await engine.get();
    if (flags['dry-run']) {
      const exitCode = await printPlan(args.runbook, set, connectionOptions(flags), flags.output, this);
      this.exit(exitCode);
    }
    const { driveRun, failCommand } = await import('../ui/drive.ts');
    try {
      const exitCode = await driveRun(
        flags.output,
        (text) => {
          this.log(text);
        },
        (interrupts, view) =>
          runDrill(
            {
              file: args.runbook,
              set,
              connection: connectionOptions(flags),
              journalDir: flags['journal-dir'],
              yes: flags.yes,
              interactive: isInteractive(),
              from: flags.from,
              only: flags.only,
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
