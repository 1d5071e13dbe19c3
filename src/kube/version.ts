// The cluster's version, as `kubectl version` reads it: GET /version on the context's API server.
import { connect, type ConnectionOptions } from './cluster.ts';

export interface ClusterVersion {
  context: string;
  server: string;
  gitVersion: string;
  platform: string;
}

export async function clusterVersion(options: ConnectionOptions): Promise<ClusterVersion> {
  const cluster = await connect(options);
  const info = await cluster.config.makeApiClient(cluster.lib.VersionApi).getCode();
  return {
    context: cluster.context,
    server: cluster.config.getCurrentCluster()?.server ?? '',
    gitVersion: info.gitVersion,
    platform: info.platform,
  };
}
