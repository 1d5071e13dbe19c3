import { Args, Command } from '@oclif/core';
import { outputFlag } from '../ui/flags.ts';

export default class Explain extends Command {
  static override summary = "Describe an action's inputs, outputs and permissions, or one of its inputs.";
  static override description =
    'Like kubectl explain, for the actions a runbook step can run: each input with its type, default and ' +
    'description, the rules between inputs, the outputs later steps can use, the permissions the example needs ' +
    '(what the run checks before it starts) and an example step. Made from the schema that validates runbooks, ' +
    'so it says what validation accepts. A field path goes into nested inputs (traffic.drain.measure.source).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> nodes.drain',
    '<%= config.bin %> <%= command.id %> nodes.drain.parallelism',
    '<%= config.bin %> <%= command.id %> traffic.drain.measure -o json',
  ];
  static override args = {
    target: Args.string({ description: 'ACTION or ACTION.FIELD[.FIELD...]', required: true }),
  };
  static override flags = { output: outputFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Explain);
    const { explain, ExplainError } = await import('../runbook/explain.ts');
    try {
      const explained = explain(args.target);
      if (flags.output === 'json') {
        this.log(JSON.stringify(explained, null, 2));
        return;
      }
      const { renderExplained } = await import('../ui/explain.ts');
      this.log(renderExplained(explained).join('\n'));
    } catch (error) {
      if (error instanceof ExplainError) this.error(error.message, { exit: 2 });
      throw error;
    }
  }
}
