import { Command, Flags } from '@oclif/core';
import { connectionFlags, connectionOptions, outputFlag } from '../ui/flags.ts';

/** How long the cluster may take to answer when --request-timeout gives no limit. */
const VERSION_TIMEOUT_MS = 10_000;

export default class Version extends Command {
  static override summary = "Print the plugin's version, its Node's, and the cluster's.";
  static override description =
    "The cluster's version is read from the API server of the context (--context, --kubeconfig) as kubectl " +
    'version does. Like kubectl version, a cluster that cannot be reached is reported as an error after the ' +
    'local versions (exit 1); --client asks no cluster.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --client -o json',
  ];
  static override flags = {
    ...connectionFlags,
    client: Flags.boolean({ description: "Only the plugin's and Node's versions; no cluster is asked." }),
    output: outputFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Version);
    const { renderVersion, versionReport } = await import('../ui/version.ts');
    const connection = connectionOptions(flags);
    const report = await versionReport(
      this.config.version,
      flags.client
        ? undefined
        : {
            ...connection,
            requestTimeoutMs: flags['request-timeout'] > 0 ? flags['request-timeout'] : VERSION_TIMEOUT_MS,
          },
    );
    const rendered = renderVersion(report);
    this.log(flags.output === 'json' ? JSON.stringify(report, null, 2) : rendered.lines.join('\n'));
    if (rendered.error) this.error(rendered.error, { exit: 1 });
  }
}
