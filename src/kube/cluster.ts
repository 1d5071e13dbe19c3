// Connections to clusters, one per kubeconfig context, opened on first use. The client library is
// imported lazily: it is large, and commands such as --help and validate never need it. Every API
// client of a cluster sends through its ResilientHttp (resilience.ts), which retries what a control
// plane in trouble fails and applies --request-timeout to each attempt.
import type {
  ApiType,
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  Configuration,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PolicyV1Api,
  V1APIResource,
} from '@kubernetes/client-node';
import { type ClientLibrary, clientLibrary } from './client-library-loader.ts';
import { ResilientHttp } from './resilience.ts';

export type { ClientLibrary } from './client-library-loader.ts';

/** The generic object client, with its API discovery (which it caches) opened up. */
export interface ObjectApi extends KubernetesObjectApi {
  resourceOf(apiVersion: string, kind: string): Promise<V1APIResource | undefined>;
}

/** kubectl's global connection flags. */
export interface ConnectionOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** kubectl's --request-timeout: the longest a single API request may take; 0 or absent: no limit. */
  requestTimeoutMs?: number;
}

export interface Cluster {
  /** The kubeconfig context this connection uses. */
  readonly context: string;
  /** The namespace a step uses when it names none: -n, else the context's, else "default". */
  readonly namespace: string;
  readonly config: KubeConfig;
  readonly lib: ClientLibrary;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly policy: PolicyV1Api;
  readonly discovery: DiscoveryV1Api;
  readonly authorization: AuthorizationV1Api;
  readonly objects: ObjectApi;
  /** What every request to this cluster's API server is sent through. */
  readonly http: ResilientHttp;
  /**
   * On a connection that reads the cluster as of one moment (a plan's), the lists read so far, by
   * request: each is read once, however many steps ask for it (objects.ts listPage).
   */
  readonly lists?: Map<string, Promise<unknown>>;
}

export interface ClustersOptions {
  /** Read each list once per cluster, as `plan` does: see Cluster.lists. */
  readOnce?: boolean;
}

/** Opens and caches one Cluster per context. */
export class Clusters {
  readonly #options: ConnectionOptions;
  readonly #readOnce: boolean;
  readonly #open = new Map<string, Promise<Cluster>>();

  constructor(options: ConnectionOptions, { readOnce = false }: ClustersOptions = {}) {
    this.#options = options;
    this.#readOnce = readOnce;
  }

  /** The cluster of a step's `context:`, or of --context / the current context. */
  get(context?: string): Promise<Cluster> {
    const key = context ?? this.#options.context ?? '';
    let cluster = this.#open.get(key);
    if (!cluster) {
      const connected = connect({ ...this.#options, context: context ?? this.#options.context });
      cluster = this.#readOnce ? connected.then((c) => ({ ...c, lists: new Map() })) : connected;
      this.#open.set(key, cluster);
    }
    return cluster;
  }
}

export async function connect(options: ConnectionOptions): Promise<Cluster> {
  const lib = await clientLibrary.get();
  const http: { current?: ResilientHttp } = {};
  const config = resilientKubeConfig(lib, http);
  if (options.kubeconfig) {
    config.loadFromFile(options.kubeconfig);
  } else {
    config.loadFromDefault();
  }
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new Error(`context "${options.context}" not found in kubeconfig (known: ${known.join(', ') || 'none'})`);
    }
    config.setCurrentContext(options.context);
  }
  const context = config.getCurrentContext();
  if (!config.getCurrentCluster()) {
    throw new Error('no cluster in kubeconfig: set --kubeconfig, KUBECONFIG or --context');
  }
  const namespace = options.namespace ?? config.getContextObject(context)?.namespace ?? 'default';
  http.current = new ResilientHttp(lib, config.getCurrentCluster()?.server ?? '', options.requestTimeoutMs);
  const cluster: Cluster = {
    context,
    namespace,
    config,
    lib,
    core: config.makeApiClient(lib.CoreV1Api),
    apps: config.makeApiClient(lib.AppsV1Api),
    batch: config.makeApiClient(lib.BatchV1Api),
    policy: config.makeApiClient(lib.PolicyV1Api),
    discovery: config.makeApiClient(lib.DiscoveryV1Api),
    authorization: config.makeApiClient(lib.AuthorizationV1Api),
    objects: makeObjectApi(lib, config),
    http: http.current,
  };
  return cluster;
}

function makeObjectApi(lib: ClientLibrary, config: KubeConfig): ObjectApi {
  class DiscoveringObjectApi extends lib.KubernetesObjectApi implements ObjectApi {
    /**
     * Lookups under way, by API version and kind. The library caches an API version's resources once
     * they come back; until then, a step writing to many objects at once (the cordons of 20 nodes)
     * had each lookup fetch the same discovery document.
     */
    readonly #lookups = new Map<string, Promise<V1APIResource | undefined>>();

    resourceOf(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
      const key = `${apiVersion} ${kind}`;
      let lookup = this.#lookups.get(key);
      if (!lookup) {
        lookup = this.resource(apiVersion, kind).finally(() => this.#lookups.delete(key));
        this.#lookups.set(key, lookup);
      }
      return lookup;
    }
  }
  return config.makeApiClient(DiscoveringObjectApi);
}

/**
 * A KubeConfig whose API clients send through the cluster's ResilientHttp (set once the kubeconfig
 * is loaded, before any client is made). It makes them as the library does, with its User-Agent.
 */
function resilientKubeConfig(lib: ClientLibrary, http: { current?: ResilientHttp }): KubeConfig {
  class ResilientKubeConfig extends lib.KubeConfig {
    override makeApiClient<T extends ApiType>(apiClientType: new (config: Configuration) => T): T {
      const server = this.getCurrentCluster()?.server;
      if (!server || !http.current) throw new Error('No active cluster!');
      return new apiClientType(
        lib.createConfiguration({
          baseServer: new lib.ServerConfiguration(server, {}),
          authMethods: { default: this },
          middleware: [lib.setHeaderMiddleware('User-Agent', 'kubectl-drill (kubernetes-client-javascript)')],
          httpApi: lib.wrapHttpLibrary(http.current),
        }),
      );
    }
  }
  return new ResilientKubeConfig();
}
