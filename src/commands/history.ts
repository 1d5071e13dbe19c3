import { Args, Command, Flags } from '@oclif/core';
import { historyRenderers } from '../report/history/registry.ts';
import { journalDirFlag } from '../ui/flags.ts';

export default class History extends Command {
  static override summary = 'Past runs side by side: each step, time-to-drain and span per run, trends, regressions.';
  static override description =
    'A row per run, a column per step (its time as its target sees it), per time-to-drain and per span, and ' +
    "each column's trend. A value more than 20% slower than the median of the same column over its last five " +
    'runs (three at least, and slower by 500ms at least) is flagged as a regression. Runs are found in the journal ' +
    'dir; --journal-dir may also be a run folder copied from another machine, or a directory of them.\n\n' +
    historyRenderers.map((r) => `-o ${r.name}: ${r.description}`).join('\n');
  static override examples = [
    '<%= config.bin %> <%= command.id %> evacuate-region',
    '<%= config.bin %> <%= command.id %> runbooks/evacuate-region.yaml -o html > history.html',
    '<%= config.bin %> <%= command.id %> --journal-dir ./runs-from-the-game-day',
  ];
  static override args = {
    runbook: Args.string({ description: 'Runbook name or file; default: every runbook with runs.' }),
  };
  static override flags = {
    'journal-dir': journalDirFlag,
    output: Flags.string({
      char: 'o',
      description: 'Output format.',
      options: historyRenderers.map((r) => r.name),
      default: 'text',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(History);
    const { defaultJournalDir } = await import('../engine/journal-dir.ts');
    const { showHistory } = await import('../report/show.ts');
    try {
      const shown = showHistory({
        runbook: args.runbook,
        journalDir: flags['journal-dir'] ?? defaultJournalDir(),
        output: flags.output,
        // A terminal of no size (some CI pseudo-terminals say 0) has no width to keep to.
        width: process.stdout.isTTY ? process.stdout.columns || undefined : undefined,
      });
      for (const skipped of shown.skipped) this.logToStderr(`left out: ${skipped}`);
      this.log(shown.text);
    } catch (error) {
      this.error(error instanceof Error ? error.message : String(error), { exit: 1 });
    }
  }
}
