import { Args, Command, Flags } from '@oclif/core';
import { parseSetFlags, setFlag } from '../ui/flags.ts';

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
    const { set } = parsedSet;
    // Loaded here, not at the top, so that other commands start without the schema machinery.
    const { readFile } = await import('node:fs/promises');
    const { formatResult, validateRunbook, validateRunbookFile } = await import('../runbook/index.ts');
    const { maskedProblems } = await import('../engine/redact.ts');
    const results = [];
    for (const file of argv as string[]) {
      // A problem may quote a value given with --set: a secret param's is masked.
      const source = await readFile(file, 'utf8').catch(() => undefined);
      const result =
        source === undefined ? await validateRunbookFile(file, { set }) : validateRunbook(source, file, { set });
      results.push(maskedProblems(result, source, set));
    }

    if (flags.output === 'json') {
      const files = results.map(({ file, valid, problems }) => ({
        file,
        valid,
        problems: problems.map(({ position, message }) => ({ ...position, message })),
      }));
      this.log(JSON.stringify({ valid: results.every((result) => result.valid), files }, null, 2));
    } else {
      for (const result of results) for (const line of formatResult(result)) this.log(line);
    }
    if (!results.every((result) => result.valid)) this.exit(EXIT_INVALID);
  }
}
