import { Command } from '@oclif/core';
import { outputFlag } from '../ui/flags.ts';

export default class Actions extends Command {
  static override summary = 'List the actions a runbook step can run.';
  static override description =
    'Each action with whether it changes the cluster and what it does; -o json gives every input, output, ' +
    'permission and example, as kubectl drill explain does for one.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -o json'];
  static override flags = { output: outputFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Actions);
    const { actionDocs } = await import('../runbook/explain.ts');
    const docs = actionDocs();
    if (flags.output === 'json') {
      this.log(JSON.stringify({ actions: docs }, null, 2));
      return;
    }
    const { renderActionList } = await import('../ui/explain.ts');
    this.log(renderActionList(docs).join('\n'));
  }
}
