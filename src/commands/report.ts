import { Args, Command, Flags } from '@oclif/core';
import { reportRenderers } from '../report/render/registry.ts';
import { journalDirFlag } from '../ui/flags.ts';

export default class Report extends Command {
  static override summary = "Show a run's report, from its journal: text, Markdown, JSON, JUnit XML or HTML.";
  static override description =
    'Built from the journal alone (report.json is a cache of it), so a run that was killed, or a run folder copied ' +
    'from another machine, reports too: a journal without run.finished reads as interrupted. Without RUN, the ' +
    'latest run in the journal dir.\n\n' +
    reportRenderers.map((r) => `-o ${r.name}: ${r.description}`).join('\n');
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> evacuate-region-20261128T101500-1a2b -o md > retro.md',
    '<%= config.bin %> <%= command.id %> ./copied-runs/evacuate-region-20261128T101500-1a2b -o html > drill.html',
    '<%= config.bin %> <%= command.id %> -o junit > drill-junit.xml',
  ];
  static override args = {
    run: Args.string({ description: 'Run id (in the journal dir) or run folder; default: the latest run.' }),
  };
  static override flags = {
    'journal-dir': journalDirFlag,
    output: Flags.string({
      char: 'o',
      description: 'Output format.',
      options: reportRenderers.map((r) => r.name),
      default: 'text',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Report);
    const { defaultJournalDir } = await import('../engine/journal-dir.ts');
    const { showReport } = await import('../report/show.ts');
    try {
      this.log(
        showReport({ run: args.run, journalDir: flags['journal-dir'] ?? defaultJournalDir(), output: flags.output }),
      );
    } catch (error) {
      this.error(error instanceof Error ? error.message : String(error), { exit: 1 });
    }
  }
}
