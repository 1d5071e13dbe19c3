// `kubectl drill version`: the plugin's version, the Node it runs on, and the cluster's, in the
// shape of `kubectl version` (one `X Version: v` line each). Like kubectl, an unreachable cluster
// is an error after the local versions are printed: the command then exits 1, so a script can
// tell "installed" from "installed and connected".
import type { ConnectionOptions } from '../kube/cluster.ts';
import { describeError } from '../kube/errors.ts';

export interface VersionReport {
  plugin: { version: string };
  node: { version: string };
  cluster?: { context?: string; server?: string; gitVersion: string; platform: string } | { error: string };
}

/** The versions; the cluster's is asked for unless `options` is undefined (--client). */
export async function versionReport(pluginVersion: string, options?: ConnectionOptions): Promise<VersionReport> {
  const report: VersionReport = { plugin: { version: pluginVersion }, node: { version: process.version } };
  if (!options) return report;
  try {
    const { clusterVersion } = await import('../kube/version.ts');
    report.cluster = await clusterVersion(options);
  } catch (error) {
    // fetch says only "fetch failed"; what failed (ECONNREFUSED, a certificate) is its cause.
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    report.cluster = { error: `${describeError(error)}${cause}` };
  }
  return report;
}

export function renderVersion(report: VersionReport): { lines: string[]; error?: string } {
  const lines = [`Plugin Version: v${report.plugin.version}`, `Node Version: ${report.node.version}`];
  const cluster = report.cluster;
  if (!cluster) return { lines };
  if ('error' in cluster) return { lines, error: `the cluster's version: ${cluster.error}` };
  lines.push(`Server Version: ${cluster.gitVersion} (context ${cluster.context ?? ''}, ${cluster.server ?? ''})`);
  return { lines };
}
