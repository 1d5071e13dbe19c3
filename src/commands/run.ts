import { Args, Command, Errors, Flags } from '@oclif/core';
import type { InterruptSignal } from '../engine/runner.ts';
import {
  connectionFlags,
  connectionOptions,
  eventsFlag,
  isInteractive,
  parseSetFlags,
  rollbackPolicyFlag,
  setFlag,
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
    yes: Flags.boolean({ char: 'y', description: 'Do not ask: run every step, auto-confirm manual steps.' }),
    from: Flags.string({ description: 'Start at this step; the ones before it are skipped.', exclusive: ['only'] }),
    only: Flags.string({ description: 'Run only this step.' }),
    'journal-dir': Flags.string({
      description: 'Where run folders go (default $KUBECTL_DRILL_HOME/runs, ~/.kube/drill/runs).',
    }),
    output: Flags.string({ char: 'o', description: 'Output format.', options: ['text', 'json'], default: 'text' }),
    rollback: rollbackPolicyFlag,
    'take-over-lock': takeOverLockFlag,
    events: eventsFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Run);
    const set = parseSetFlags(flags.set ?? []);
    if ('error' in set) this.error(set.error, { exit: 2 });
    if (flags['dry-run']) {
      const { printPlan } = await import('../ui/plan.ts');
      const exitCode = await printPlan(args.runbook, set, connectionOptions(flags), flags.output, (line) => {
        this.log(line);
      });
      this.exit(exitCode);
    }
    const { runDrill, RunRefused, ExitCode } = await import('../engine/session.ts');
    const { Interrupts } = await import('../engine/interrupts.ts');
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
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    for (const name of signals) process.on(name, onSignal);
    const live = flags.output === 'text' && isInteractive();
    const view = live
      ? (await import('../ui/live.ts')).liveView(() => {
          onSignal('SIGINT');
        })
      : (await import('../ui/plain.ts')).plainView((line) => {
          process.stderr.write(`${line}\n`);
        });
    try {
      const result = await runDrill(
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
      );
      if (flags.output === 'json') {
        this.log(JSON.stringify(result.report, null, 2));
      } else {
        const { renderSummary } = await import('../report/summary.ts');
        this.log(`\n${renderSummary(result.report)}\n\njournal and report: ${result.runDir}`);
      }
      this.exit(result.exitCode);
    } catch (error) {
      if (error instanceof RunRefused) {
        for (const line of error.details) this.logToStderr(line);
        this.error(error.message, { exit: error.exitCode });
      }
      if (error instanceof Errors.ExitError) throw error;
      const { describeError } = await import('../kube/errors.ts');
      this.error(describeError(error), { exit: ExitCode.failed });
    } finally {
      for (const name of signals) process.off(name, onSignal);
    }
  }
}
