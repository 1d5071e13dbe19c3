// Any object by apiVersion and kind: finding it through API discovery, reading, patching and
// server-side applying it, parsing manifests, when an applied object is ready, and waiting until
// objects meet a Verdict.
//
// Bodies are sent as written through apiRequest rather than the client's generic object API: that
// one serialises bodies through its typed models, which silently drop fields they do not know
// (fields newer than the client, strategic-merge directives such as `$patch`) and cannot carry a
// JSON Patch list at all.
import type { KubernetesObject, RequestContext } from '@kubernetes/client-node';
import { parseAllDocuments, parseDocument, type YAMLError } from 'yaml';
import { formatDuration } from '../duration-text.ts';
import { type RecordChange, recordedPatch } from './changes.ts';
import type { Cluster } from './cluster.ts';
import { type ApiObject, combineVerdicts, jobVerdict, MAX_OBJECTS_DESCRIBED, type Verdict } from './conditions.ts';
import { isNotFound } from './errors.ts';
import { collectionPath, type ObjectQuery, watchUntil } from './watch.ts';
import { decodeBody, failureBody } from './body.ts';
import type { BodyReader } from './resilience.ts';
import type { Workload } from './workloads/kind.ts';
import { workloadKindNamed } from './workloads/registry.ts';

/** The field manager of everything drill applies, as kubectl's is `kubectl`. */
export const FIELD_MANAGER = 'kubectl-drill';

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** A reference checked against discovery: namespace set exactly when the kind is namespaced. */
export interface ResolvedObject extends ObjectReference {
  /** URL path of the object. */
  path: string;
}

/** Resolves a reference; a namespaced object without a namespace gets `defaultNamespace`. */
export async function resolveObject(
  cluster: Cluster,
  ref: ObjectReference,
  defaultNamespace: string,
): Promise<ResolvedObject> {
  const namespaced = await isNamespaced(cluster, ref.apiVersion, ref.kind);
  const namespace = namespaced ? (ref.namespace ?? defaultNamespace) : undefined;
  const collection = await collectionPath(cluster, { ...ref, namespace });
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, namespace, path: `${collection}/${ref.name}` };
}

export async function isNamespaced(cluster: Cluster, apiVersion: string, kind: string): Promise<boolean> {
  const resource = await cluster.objects.resourceOf(apiVersion, kind);
  if (!resource) throw new Error(`the server has no resource for ${kind} in ${apiVersion}`);
  return resource.namespaced;
}

/** `Deployment shop/web`, `Namespace shop`. */
export function describeObject(ref: Pick<ObjectReference, 'kind' | 'name' | 'namespace'>): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** `Deployment/shop/web`, `Namespace/shop`: the form of objects in step outputs. */
export function objectKey(ref: Pick<ObjectReference, 'kind' | 'name' | 'namespace'>): string {
  return [ref.kind, ref.namespace, ref.name].filter(Boolean).join('/');
}

// ---------------------------------------------------------------------------------------------
// Requests

export interface ApiRequest {
  query?: Record<string, string>;
  /** The media types the answer may come in, best first (./body reads JSON and ./protobuf). */
  accept?: string;
  contentType?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Send it over this connection rather than a new one. */
  connection?: KeptConnection;
  /** Takes a successful answer's body as it arrives (see BodyReader); the answer's object is then {}. */
  bodyReader?: BodyReader;
}

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * One connection kept open for the requests given it. The client opens (and TLS-handshakes) a new
 * connection for every request: 3x the time and CPU of a request on a kept one, which matters to a
 * stream of small requests sent beside a step's own (the run's Events).
 */
export class KeptConnection {
  #dispatcher: Dispatcher | undefined;

  use(context: RequestContext): void {
    this.#dispatcher ??= context.getDispatcher();
    if (this.#dispatcher) context.setDispatcher(this.#dispatcher);
  }

  /** Closes it once the requests under way are answered. */
  close(): Promise<void> {
    return this.#dispatcher?.close() ?? Promise.resolve();
  }
}

export interface ApiResponse {
  status: number;
  object: ApiObject;
}

/**
 * One request to the API server, authenticated like every other client call. The body is sent as
 * JSON exactly as given. A response other than 2xx throws the client's ApiException with the
 * server's Status as body, so errors.ts reads it like any other API error.
 */
export async function apiRequest(
  cluster: Cluster,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  request: ApiRequest = {},
): Promise<ApiResponse> {
  const { lib, config } = cluster;
  const server = (config.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
  const context = new lib.RequestContext(`${server}${path}`, lib.HttpMethod[method]);
  for (const [key, value] of Object.entries(request.query ?? {})) context.setQueryParam(key, value);
  context.setHeaderParam('Accept', request.accept ?? 'application/json');
  if (request.body !== undefined) {
    context.setHeaderParam('Content-Type', request.contentType ?? 'application/json');
    context.setBody(JSON.stringify(request.body));
  }
  if (request.signal) context.setSignal(request.signal);
  await config.applySecurityAuthentication(context);
  request.connection?.use(context);
  const response = await cluster.http.send(context, request.bodyReader);
  const body = await response.body.binary();
  const contentType = response.headers['content-type'];
  if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
    throw new lib.ApiException(
      response.httpStatusCode,
      `${method} ${path}: HTTP ${response.httpStatusCode}`,
      await failureBody(contentType, body),
      response.headers,
    );
  }
  const object = await decodeBody(contentType, body);
  return { status: response.httpStatusCode, object: (object ?? {}) as ApiObject };
}

/** One page of a list: its objects, and what the API says of the rest. */
export interface ListPage<T> {
  items: T[];
  /** The token for the next page; undefined on the last. */
  continue: string | undefined;
  /** How many objects the pages after this one hold, when the API says (it need not). */
  remainingItemCount: number | undefined;
}

/**
 * A list at `path` (or one page of it, with `limit`), its objects as the API sends them, as a watch
 * gives them (timestamps are strings), not decoded into the client's typed models: for a region's
 * hundreds of nodes and thousands of pods, that decoding was a third of a plan's CPU and most of its
 * memory. On a connection that reads each list once (Cluster.lists), the same request gets the first
 * answer again, shared: callers only read what they are given.
 */
export function listPage<T>(
  cluster: Cluster,
  path: string,
  query: Record<string, string>,
  request: Pick<ApiRequest, 'accept' | 'connection'> = {},
): Promise<ListPage<T>> {
  if (!cluster.lists) return readListPage(cluster, path, query, request);
  const key = `${path}?${new URLSearchParams(query).toString()} ${request.accept ?? ''}`;
  let page = cluster.lists.get(key) as Promise<ListPage<T>> | undefined;
  if (!page) {
    page = readListPage(cluster, path, query, request);
    cluster.lists.set(key, page);
  }
  return page;
}

async function readListPage<T>(
  cluster: Cluster,
  path: string,
  query: Record<string, string>,
  request: Pick<ApiRequest, 'accept' | 'connection'>,
): Promise<ListPage<T>> {
  const { object } = await apiRequest(cluster, 'GET', path, { ...request, query });
  const list = object as { items?: T[]; metadata?: { continue?: string; remainingItemCount?: number } };
  const next = list.metadata?.continue;
  return {
    items: list.items ?? [],
    continue: next === '' ? undefined : next,
    remainingItemCount: list.metadata?.remainingItemCount,
  };
}

/** The object, or undefined if it does not exist. */
export async function getObject(cluster: Cluster, object: ResolvedObject): Promise<ApiObject | undefined> {
  try {
    return (await apiRequest(cluster, 'GET', object.path)).object;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Server-side apply, like `kubectl apply --server-side --force-conflicts`: a runbook states what the
 * object must look like, so fields another manager owns are taken over rather than failing the
 * step in the middle of an incident.
 */
export async function serverSideApply(
  cluster: Cluster,
  object: ResolvedObject,
  body: unknown,
  record: RecordChange,
  signal?: AbortSignal,
): Promise<{ created: boolean }> {
  const { created } = await recordedPatch(
    cluster,
    object,
    object.path,
    {
      query: { fieldManager: FIELD_MANAGER, force: 'true' },
      contentType: cluster.lib.PatchStrategy.ServerSideApply,
      body,
    },
    record,
    signal,
  );
  return { created };
}

// ---------------------------------------------------------------------------------------------
// Manifests

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string } & Record<string, unknown>;
  [field: string]: unknown;
}

/**
 * Parses YAML documents into objects, flattening `kind: List`; empty documents are skipped. YAML 1.1
 * as kubectl reads it, so `defaultMode: 0644` is octal. Errors name the document and position but
 * never quote the text, which may hold Secret data.
 */
export function parseManifests(text: string): Manifest[] {
  const documents = parseAllDocuments(text, { version: '1.1' });
  const manifests: Manifest[] = [];
  for (const [index, document] of documents.entries()) {
    const where = `document ${index + 1}`;
    const [error] = document.errors;
    if (error) throw new Error(`${where}: ${yamlProblem(error)}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (isRecord(value) && value.kind === 'List' && Array.isArray(value.items)) {
      for (const [itemIndex, item] of (value.items as unknown[]).entries()) {
        manifests.push(checkManifest(item, `${where}, item ${itemIndex + 1}`));
      }
    } else {
      manifests.push(checkManifest(value, where));
    }
  }
  if (manifests.length === 0) throw new Error('the manifest holds no objects');
  return manifests;
}

/** One YAML document, such as a patch; errors, like parseManifests', never quote the text. */
export function parseYaml(text: string, what: string): unknown {
  const document = parseDocument(text, { version: '1.1' });
  const [error] = document.errors;
  if (error) throw new Error(`${what}: ${yamlProblem(error)}`);
  return document.toJS();
}

/** The first line of a YAML error: what and where, without the excerpt of the text that follows. */
function yamlProblem(error: YAMLError): string {
  return error.message.split('\n', 1)[0]?.replace(/:$/, '') ?? error.code;
}

function checkManifest(value: unknown, where: string): Manifest {
  if (!isRecord(value)) throw new Error(`${where}: expected a mapping with apiVersion, kind and metadata`);
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') throw new Error(`${where}: ${field} is missing`);
  }
  const metadata = value.metadata;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new Error(`${where}: metadata.name is missing (server-side apply needs a name)`);
  }
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') {
    throw new Error(`${where}: metadata.namespace must be a string`);
  }
  return value as Manifest;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Each manifest resolved, with the namespace it will be applied in written into its metadata. */
export async function resolveManifests(
  cluster: Cluster,
  manifests: readonly Manifest[],
  defaultNamespace: string,
): Promise<{ object: ResolvedObject; body: Manifest }[]> {
  return Promise.all(
    manifests.map(async (manifest) => {
      const { apiVersion, kind, metadata } = manifest;
      const object = await resolveObject(
        cluster,
        { apiVersion, kind, name: metadata.name, namespace: metadata.namespace },
        defaultNamespace,
      );
      const { namespace: _, ...rest } = metadata;
      const body = { ...manifest, metadata: object.namespace ? { ...rest, namespace: object.namespace } : rest };
      return { object, body };
    }),
  );
}

/**
 * The plural resource name of a kind, guessed as kubectl's UnsafeGuessKindToResource does (with
 * "-ys" after a vowel, and Endpoints, right): for permission checks, which cannot ask discovery.
 */
export function guessResource(kind: string): string {
  const singular = kind.toLowerCase();
  if (singular === 'endpoints') return singular;
  if (/(s|x|z|ch|sh)$/.test(singular)) return `${singular}es`;
  if (/[^aeiou]y$/.test(singular)) return `${singular.slice(0, -1)}ies`;
  return `${singular}s`;
}

/** The API group of an apiVersion: `apps` of `apps/v1`, "" (core) of `v1`. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The readiness check of a kind, or undefined for kinds that are ready once they exist: workloads
 * rolled out as `kubectl rollout status` sees it, Jobs complete. Keyed on the API group as well, so
 * a custom resource that happens to be called `Job` is not mistaken for one.
 */
export function readinessCheck(apiVersion: string, kind: string): ((object: ApiObject) => Verdict) | undefined {
  const group = groupOf(apiVersion);
  if (group === 'batch' && kind === 'Job') return jobVerdict;
  const workload = workloadKindNamed(kind);
  const rollouts = workload?.rollout;
  if (!rollouts || groupOf(workload.apiVersion) !== group) return undefined;
  return (object) => {
    const status = rollouts.status(object as Workload);
    return { state: status.state === 'done' ? 'met' : status.state, seen: status.message };
  };
}

// ---------------------------------------------------------------------------------------------
// Waiting

export interface ObjectWait {
  /** What is waited for, completing "waiting for ...": `Deployment shop/web to be Available`. */
  what: string;
  query: ObjectQuery;
  /** The verdict on the objects the query finds now. */
  check: (objects: readonly ApiObject[]) => Verdict;
  /** Give up after this long; without it the wait lasts until the signal aborts. */
  limitMs?: number;
  signal: AbortSignal;
  /** Told whenever what the wait sees changes, so the journal shows how it got there. */
  onChange?: (seen: string) => void;
}

/**
 * Waits by list-then-watch until `check` says met (returns its verdict) or failed (throws). Giving
 * up after `limitMs` throws an error that says what the objects last looked like.
 */
export async function waitForObjects(cluster: Cluster, wait: ObjectWait): Promise<Verdict> {
  let lastSeen = 'nothing (the objects were never listed)';
  const limitMs = wait.limitMs;
  const verdict = await watchUntil<KubernetesObject, Verdict>(
    cluster,
    wait.query,
    (objects) => {
      const current = wait.check(objects as readonly ApiObject[]);
      if (current.seen !== lastSeen) {
        lastSeen = current.seen;
        wait.onChange?.(current.seen);
      }
      return current.state === 'waiting' ? undefined : current;
    },
    wait.signal,
    limitMs === undefined
      ? undefined
      : {
          ms: limitMs,
          error: () =>
            new Error(`timed out after ${formatDuration(limitMs)} waiting for ${wait.what}; last seen: ${lastSeen}`),
        },
  );
  if (verdict.state === 'failed') throw new Error(`gave up waiting for ${wait.what}: ${verdict.seen}`);
  return verdict;
}

/** Checks every object with `verdictOf`; no objects at all is waiting, and says so. */
export function checkEach(
  verdictOf: (object: ApiObject) => Verdict,
  nothingFound: string,
): (objects: readonly ApiObject[]) => Verdict {
  return (objects) =>
    objects.length === 0
      ? { state: 'waiting', seen: nothingFound }
      : combineVerdicts(objects.map((o) => ({ name: o.metadata?.name ?? '', verdict: verdictOf(o) })));
}

/**
 * Met once none of the objects first listed is left. By UID, so an object deleted and created
 * again under the same name counts as deleted, as with `kubectl wait --for=delete`.
 */
export function checkDeleted(uids?: ReadonlySet<string>): (objects: readonly ApiObject[]) => Verdict {
  let waitingFor = uids;
  return (objects) => {
    const initial = (waitingFor ??= new Set(objects.map((o) => o.metadata?.uid ?? '')));
    const left = objects.filter((o) => initial.has(o.metadata?.uid ?? ''));
    if (left.length === 0) return { state: 'met', seen: 'deleted' };
    const described = left.slice(0, MAX_OBJECTS_DESCRIBED).map(({ metadata = {} }) => {
      const finalizers = metadata.finalizers?.length ? `, finalizers ${metadata.finalizers.join(', ')}` : '';
      return `${metadata.name ?? ''}${metadata.deletionTimestamp ? ` (terminating${finalizers})` : ''}`;
    });
    const more = left.length > MAX_OBJECTS_DESCRIBED ? ` and ${left.length - MAX_OBJECTS_DESCRIBED} more` : '';
    return { state: 'waiting', seen: `still there: ${described.join(', ')}${more}` };
  };
}

/** The verdict on the objects as they are now, for plans: one list, no watch. */
export async function currentVerdict(cluster: Cluster, wait: Pick<ObjectWait, 'query' | 'check'>): Promise<Verdict> {
  const { apiVersion, kind, namespace, fieldSelector, labelSelector } = wait.query;
  const list = await cluster.objects.list(
    apiVersion,
    kind,
    namespace,
    undefined,
    undefined,
    undefined,
    fieldSelector,
    labelSelector,
  );
  return wait.check(list.items as ApiObject[]);
}
