import { Args, Command, Flags } from '@oclif/core';
import { templateNames } from '../runbook/templates/registry.ts';

export default class Init extends Command {
  static override summary = 'Write a starter runbook from a template.';
  static override description =
    'Writes NAME.yaml (or the .yaml/.yml path given) from a template, with metadata.name set to NAME and the ' +
    '`# yaml-language-server: $schema=...` comment editors complete runbooks with. It validates as written; its ' +
    'comments say what to change (look for CHANGE). An existing file is left alone unless --force.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> zone-b-outage --template zone-outage',
    '<%= config.bin %> <%= command.id %> runbooks/rollback-checkout.yaml --template rollback-release',
  ];
  static override args = {
    name: Args.string({
      description: 'Runbook name, or a file path ending in .yaml or .yml (default: the template name).',
    }),
  };
  static override flags = {
    template: Flags.string({
      char: 't',
      description: 'The starter to write.',
      options: [...templateNames],
      default: 'evacuate-region',
    }),
    force: Flags.boolean({ description: 'Overwrite the file if it exists.' }),
    schema: Flags.string({
      description: "Where editors find the runbook schema (default: the plugin's schema, relative to the file).",
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Init);
    const path = await import('node:path');
    const { StarterRefused, writeStarter } = await import('../runbook/starter.ts');
    try {
      const written = writeStarter({
        name: args.name,
        template: flags.template,
        force: flags.force,
        schema: flags.schema,
        cwd: process.cwd(),
        schemaFile: path.join(this.config.root, 'schema', 'runbook.schema.json'),
      });
      const file = path.relative(process.cwd(), written.file);
      this.log(`wrote ${file} (runbook ${written.name}, from template ${written.template})`);
      this.log(
        `next: edit the lines marked CHANGE, then kubectl drill validate ${file} and kubectl drill plan ${file}`,
      );
    } catch (error) {
      if (error instanceof StarterRefused) this.error(error.message, { exit: 2 });
      throw error;
    }
  }
}
