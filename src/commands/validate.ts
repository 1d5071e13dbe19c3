import { Args, Command, Flags } from '@oclif/core';
import { parseSetFlags, setFlag } from '../ui/flags.ts';
import { type ValidateOutput, validateFiles } from '../ui/validate-files.ts';

/** Exit code for usage and validation errors (DESIGN.md section 4). */
const EXIT_INVALID = 2;

export default class Validate extends Command {
  static override summary = 'Check runbooks for mistakes, offline.';
  static override description =
    'Checks each runbook against the schema and for semantic mistakes (unknown actions, templates that refer ' +
    'to undeclared params or to later steps, bad durations, ...). Prints every problem as file:line:col: message ' +
    'and exits 2 if any file has one. Nothing touches a cluster.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> runbooks/evacuate-region.yaml',
    '<%= config.bin %> <%= command.id %> runbooks/*.yaml --set region=us-east -o json',
  ];
  // Any number of files.
  static override strict = false;
  static override args = {
    file: Args.string({ description: 'Runbook files to check.', required: true }),
  };
  static override flags = {
    set: setFlag,
    output: Flags.string({
      char: 'o',
      description: 'Output format.',
      options: ['text', 'json'],
      default: 'text',
    }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Validate);
    const parsedSet = parseSetFlags(flags.set ?? []);
    if (!parsedSet.ok) this.error(parsedSet.error, { exit: EXIT_INVALID });
    const { lines, valid } = await validateFiles(argv as string[], parsedSet.set, flags.output as ValidateOutput);
    for (const line of lines) this.log(line);
    if (!valid) this.exit(EXIT_INVALID);
  }
}
