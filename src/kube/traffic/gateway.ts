// The `gateway` strategy: the region's backendRefs in Gateway API routes go to weight 0. The weights
// they had are recorded, and restore puts exactly those back (an unset weight is unset again). Each
// patch is a JSON patch that tests the route's resourceVersion and every backendRef's name first,
// so a route changed since it was read is re-read rather than patched at the wrong index.
//
// The recorded weights also go into an annotation of the route, in the same patch, so that a
// restore given only the drain's inputs (a rollback after the drain step failed, another run) finds
// them; restore removes it. A route drained again keeps its first record: its weights are 0 by then.
import { type LiveObject, objectMoved, recordEffect, type WriteContext } from '../changes.ts';
import type { Cluster } from '../cluster.ts';
import { apiErrorMessage } from '../errors.ts';
import { apiRequest, describeObject, getObject, type ResolvedObject, resolveObject } from '../objects.ts';
import { applyJsonPatch, formatPointer, type JsonPatchOperation } from './json-patch.ts';

export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

export interface RouteRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** One backendRef's weight before the drain; null when it had none (the Gateway API's default of 1). */
export interface RecordedWeight {
  rule: number;
  index: number;
  /** The backendRef's name, checked before the weight is put back. */
  backend: string;
  weight: number | null;
}

export interface GatewayRestore {
  strategy: 'gateway';
  routes: (RouteRef & { weights: RecordedWeight[] })[];
}

interface BackendRef {
  name?: unknown;
  namespace?: unknown;
  kind?: unknown;
  group?: unknown;
  weight?: unknown;
}

/** The annotation of a drained route holding its weights from before the drain. */
export const RECORD_ANNOTATION = 'drill.dev/traffic-restore';
const RECORD_PATH = formatPointer(['metadata', 'annotations', RECORD_ANNOTATION]);

interface RouteObject extends LiveObject {
  metadata?: LiveObject['metadata'] & { resourceVersion?: string; annotations?: Record<string, string> };
  spec?: { rules?: { backendRefs?: BackendRef[] }[] };
}

/** Whether a backendRef names one of the region's Services (as `namespace/name`). */
export function isRegionBackend(ref: BackendRef, routeNamespace: string, backends: ReadonlySet<string>): boolean {
  if (ref.kind !== undefined && ref.kind !== 'Service') return false;
  if (ref.group !== undefined && ref.group !== '') return false;
  const namespace = typeof ref.namespace === 'string' ? ref.namespace : routeNamespace;
  return typeof ref.name === 'string' && backends.has(`${namespace}/${ref.name}`);
}

/** The region's backendRefs in a route and the weights they have now. */
export function regionWeights(
  route: RouteObject,
  routeNamespace: string,
  backends: ReadonlySet<string>,
): RecordedWeight[] {
  const weights: RecordedWeight[] = [];
  for (const [rule, { backendRefs = [] }] of (route.spec?.rules ?? []).entries()) {
    for (const [index, ref] of backendRefs.entries()) {
      if (!isRegionBackend(ref, routeNamespace, backends)) continue;
      weights.push({
        rule,
        index,
        backend: String(ref.name),
        weight: typeof ref.weight === 'number' ? ref.weight : null,
      });
    }
  }
  return weights;
}

function weightPath(weight: RecordedWeight): string {
  return `/spec/rules/${weight.rule}/backendRefs/${weight.index}`;
}

function sameRef(a: RecordedWeight, b: RecordedWeight): boolean {
  return a.rule === b.rule && a.index === b.index && a.backend === b.backend;
}

/**
 * The weights to restore for the backendRefs `found` now: the route's record where it has one (the
 * backendRef was drained before and not restored, so its weight now is 0), else their weight now.
 */
export function weightsBeforeDrain(route: RouteObject, found: readonly RecordedWeight[]): RecordedWeight[] {
  const record = recordedWeights(route) ?? [];
  return found.map((w) => record.find((r) => sameRef(r, w)) ?? w);
}

function recordPatch(route: RouteObject, record: readonly RecordedWeight[]): JsonPatchOperation[] {
  const exists = route.metadata?.annotations?.[RECORD_ANNOTATION] !== undefined;
  if (record.length === 0) return exists ? [{ op: 'remove', path: RECORD_PATH }] : [];
  return [
    ...(route.metadata?.annotations === undefined
      ? [{ op: 'add' as const, path: '/metadata/annotations', value: {} }]
      : []),
    { op: 'add', path: RECORD_PATH, value: JSON.stringify(record) },
  ];
}

/**
 * Sets the region's backendRefs to weight 0, and adds their weights before the drain to the
 * route's record (other regions drained and not yet restored keep their entries).
 */
export function drainPatch(route: RouteObject, weights: readonly RecordedWeight[]): JsonPatchOperation[] {
  const record = recordedWeights(route) ?? [];
  const added = weightsBeforeDrain(route, weights).filter((w) => !record.some((r) => sameRef(r, w)));
  return [
    ...versionTest(route.metadata?.resourceVersion),
    ...recordPatch(route, [...record, ...added]),
    ...weights.flatMap((w): JsonPatchOperation[] => [
      { op: 'test', path: `${weightPath(w)}/name`, value: w.backend },
      { op: 'add', path: `${weightPath(w)}/weight`, value: 0 },
    ]),
  ];
}

/** Puts the recorded weights back (a weight that was unset is removed) and drops them from the record. */
export function restorePatch(route: RouteObject, weights: readonly RecordedWeight[]): JsonPatchOperation[] {
  const record = (recordedWeights(route) ?? []).filter((r) => !weights.some((w) => sameRef(r, w)));
  return [
    ...versionTest(route.metadata?.resourceVersion),
    ...recordPatch(route, record),
    ...weights.flatMap((w): JsonPatchOperation[] => [
      { op: 'test', path: `${weightPath(w)}/name`, value: w.backend },
      // `add` works whether or not the field is there now, so the `remove` after it always can.
      { op: 'add', path: `${weightPath(w)}/weight`, value: w.weight ?? 0 },
      ...(w.weight === null ? [{ op: 'remove' as const, path: `${weightPath(w)}/weight` }] : []),
    ]),
  ];
}

/** The weights a drain recorded in the route, if it carries a record. */
export function recordedWeights(route: RouteObject): RecordedWeight[] | undefined {
  const text = route.metadata?.annotations?.[RECORD_ANNOTATION];
  if (text === undefined) return undefined;
  const weights = JSON.parse(text) as unknown;
  const valid =
    Array.isArray(weights) &&
    weights.every(
      (w: Partial<RecordedWeight>) =>
        typeof w.rule === 'number' &&
        typeof w.index === 'number' &&
        typeof w.backend === 'string' &&
        (w.weight === null || typeof w.weight === 'number'),
    );
  if (!valid) throw new Error(`its ${RECORD_ANNOTATION} annotation is not a record of weights`);
  return weights as RecordedWeight[];
}

function versionTest(resourceVersion: string | undefined): JsonPatchOperation[] {
  return resourceVersion === undefined
    ? []
    : [{ op: 'test', path: '/metadata/resourceVersion', value: resourceVersion }];
}

export interface GatewayDrainOptions {
  namespace: string;
  routes: readonly string[];
  /** apiVersion and kind of the routes. */
  apiVersion: string;
  kind: string;
  region: string;
  /** Names of the region's Services; default: the Services labelled with the region. */
  backends?: readonly string[];
  regionLabel: string;
}

/** The region's Services as `namespace/name`. */
export async function regionBackends(cluster: Cluster, options: GatewayDrainOptions): Promise<Set<string>> {
  if (options.backends) return new Set(options.backends.map((name) => `${options.namespace}/${name}`));
  const services = await cluster.core.listNamespacedService({
    namespace: options.namespace,
    labelSelector: `${options.regionLabel}=${options.region}`,
  });
  return new Set(services.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`));
}

export interface GatewayPlan {
  routes: { route: RouteRef; weights: RecordedWeight[] }[];
}

/** What a drain would set to 0, read from the routes now; a route with none of the region's backends is an error. */
export async function planGatewayDrain(cluster: Cluster, options: GatewayDrainOptions): Promise<GatewayPlan> {
  const backends = await regionBackends(cluster, options);
  if (backends.size === 0) {
    throw new Error(
      `no Service in ${options.namespace} is labelled ${options.regionLabel}=${options.region}: name the region's backends`,
    );
  }
  const routes = await Promise.all(
    options.routes.map(async (name) => {
      const { object, route } = await readRoute(cluster, options, name);
      const weights = regionWeights(route, options.namespace, backends);
      if (weights.length === 0) {
        throw new Error(`${describeObject(object)} has no backendRef to ${[...backends].join(', ')}`);
      }
      return { route: refOf(object, options.namespace), weights };
    }),
  );
  return { routes };
}

/** Sets the region's weights to 0 in every route; returns what restore needs. */
export async function drainGateway(
  cluster: Cluster,
  options: GatewayDrainOptions,
  writes: WriteContext,
): Promise<GatewayRestore> {
  const backends = await regionBackends(cluster, options);
  if (backends.size === 0) {
    throw new Error(
      `no Service in ${options.namespace} is labelled ${options.regionLabel}=${options.region}: name the region's backends`,
    );
  }
  const restore: GatewayRestore = { strategy: 'gateway', routes: [] };
  for (const name of options.routes) {
    const weights = await patchRoute(cluster, options, name, writes, (route) => {
      const found = regionWeights(route, options.namespace, backends);
      if (found.length === 0) throw new Error(`has no backendRef to ${[...backends].join(', ')}`);
      return { patch: drainPatch(route, found), result: weightsBeforeDrain(route, found) };
    });
    restore.routes.push({ ...refOf(await resolveRoute(cluster, options, name), options.namespace), weights });
  }
  return restore;
}

/** Puts back the weights a drain recorded. */
export async function restoreGateway(
  cluster: Cluster,
  restore: GatewayRestore,
  writes: WriteContext,
): Promise<string[]> {
  const restored: string[] = [];
  for (const route of restore.routes) {
    await patchRoute(cluster, route, route.name, writes, (object) => ({
      patch: restorePatch(object, route.weights),
      result: undefined,
    }));
    restored.push(describeRestored(route, route.weights));
  }
  return restored;
}

/** Restore from the records in the routes themselves, for a restore given the drain's inputs. */
export async function restoreGatewayFromRoutes(
  cluster: Cluster,
  options: GatewayDrainOptions,
  writes: WriteContext,
): Promise<string[]> {
  const backends = await regionBackends(cluster, options);
  const restored: string[] = [];
  for (const name of options.routes) {
    const weights = await patchRoute(cluster, options, name, writes, (route) => {
      const recorded = weightsBeforeDrain(route, regionWeights(route, options.namespace, backends)).filter(
        (w) => recordedWeights(route)?.some((r) => sameRef(r, w)) ?? false,
      );
      if (recorded.length === 0) {
        throw new Error(
          `carries no record of ${options.region}'s weights: traffic.drain did not drain it, or it was restored`,
        );
      }
      return { patch: restorePatch(route, recorded), result: recorded };
    });
    restored.push(describeRestored(await resolveRoute(cluster, options, name), weights));
  }
  return restored;
}

function describeRestored(
  route: Pick<ResolvedObject, 'kind' | 'namespace' | 'name'>,
  weights: readonly RecordedWeight[],
): string {
  return `${describeObject(route)}: ${weights.map((w) => `${w.backend} weight ${w.weight ?? 'unset'}`).join(', ')}`;
}

function resolveRoute(
  cluster: Cluster,
  options: Pick<GatewayDrainOptions, 'apiVersion' | 'kind' | 'namespace'>,
  name: string,
): Promise<ResolvedObject> {
  return resolveObject(
    cluster,
    { apiVersion: options.apiVersion, kind: options.kind, name, namespace: options.namespace },
    options.namespace,
  );
}

async function readRoute(
  cluster: Cluster,
  options: Pick<GatewayDrainOptions, 'apiVersion' | 'kind' | 'namespace'>,
  name: string,
): Promise<{ object: ResolvedObject; route: RouteObject }> {
  const object = await resolveRoute(cluster, options, name);
  const route = (await getObject(cluster, object)) as RouteObject | undefined;
  if (!route) throw new Error(`${describeObject(object)} does not exist`);
  return { object, route };
}

const MAX_ATTEMPTS = 5;

/**
 * Reads the route, builds a patch from it, records what it changes and sends it; a route that
 * changed in between is read again.
 */
async function patchRoute<R>(
  cluster: Cluster,
  options: Pick<GatewayDrainOptions, 'apiVersion' | 'kind' | 'namespace'>,
  name: string,
  { signal, record }: WriteContext,
  build: (route: RouteObject) => { patch: JsonPatchOperation[]; result: R },
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const { object, route } = await readRoute(cluster, options, name);
    let built: { patch: JsonPatchOperation[]; result: R };
    try {
      built = build(route);
    } catch (error) {
      throw new Error(`${describeObject(object)} ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    recordEffect(object, route, applyJsonPatch(route, built.patch), record);
    try {
      await apiRequest(cluster, 'PATCH', object.path, {
        contentType: cluster.lib.PatchStrategy.JsonPatch,
        body: built.patch,
        signal,
      });
      return built.result;
    } catch (error) {
      signal.throwIfAborted();
      // A failed `test` is 422 (Invalid) for JSON patches; a lost race on resourceVersion can be 409.
      if (!objectMoved(error) || attempt >= MAX_ATTEMPTS) {
        throw new Error(`patching ${describeObject(object)}: ${apiErrorMessage(error)}`, { cause: error });
      }
    }
  }
}

function refOf(object: ResolvedObject, namespace: string): RouteRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.namespace ?? namespace,
    name: object.name,
  };
}
