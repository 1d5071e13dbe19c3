// The parts of @kubernetes/client-node the CLI uses, imported by name so that the bundle leaves out the
// rest (API groups, their models' classes and dependencies the CLI never reaches): the chunk `plan`
// and `run` load before their first request is less than half of the whole library. A name used
// through `Cluster.lib` that is missing here is a type error, not a surprise at run time.
export {
  ApiException,
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  createConfiguration,
  DiscoveryV1Api,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  PolicyV1Api,
  RequestContext,
  ResponseContext,
  SelfDecodingBody,
  ServerConfiguration,
  setHeaderMiddleware,
  setHeaderOptions,
  VersionApi,
  Watch,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
