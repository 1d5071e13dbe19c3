import { Args, Command } from '@oclif/core';
import { engine } from '../engine-loader.ts';
import { connectionFlags, connectionOptions, outputFlag, parseSetFlags, setFlag } from '../ui/flags.ts';

export default class Plan extends Command {
  static override summary = 'Show what a runbook would do on the cluster, and check its permissions; change nothing.';
  static override description =
    'Resolves every step against the live cluster (which nodes, how many pods, which PodDisruptionBudgets would ' +
    'block, which revision an undo goes to) and checks every permission the run needs with ' +
    'SelfSubjectAccessReview. Exits 1 if a step cannot run or a permission is missing, 2 if the runbook is invalid.';
  static override examples = ['<%= config.bin %> <%= command.id %> runbooks/evacuate-region.yaml --set region=us-east'];
  static override args = { runbook: Args.string({ description: 'Runbook file.', required: true }) };
  static override flags = {
    ...connectionFlags,
    set: setFlag,
    output: outputFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Plan);
    const parsedSet = parseSetFlags(flags.set ?? []);
    if (!parsedSet.ok) this.error(parsedSet.error, { exit: 2 });
    const { set } = parsedSet;
    const { printPlan } = await engine.get();
    this.exit(await printPlan(args.runbook, set, connectionOptions(flags), flags.output, this));
  }
}
