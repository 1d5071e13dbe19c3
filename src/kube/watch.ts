// Waiting on the API by list-then-watch: the condition is checked against the listed state, then on
// every event, so a wait ends within one event of the condition becoming true. Watches that end
// (the server closes them, the client's inactivity timeout fires, the server restarts) resume from
// the last resourceVersion seen; a 410 Gone re-lists. A watch that fails to connect waits as any
// request would (resilience.ts: backoff, said in the step's progress), and a watch quiet for half
// of SILENCE_NOTICE_MS sends one cheap request, so a server that stopped answering is said to be
// silent rather than waited on without a word.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from './cluster.ts';
import { SILENCE_NOTICE_MS } from './resilience.ts';

export interface ObjectQuery {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** Decides from the current objects: a value ends the wait, undefined keeps waiting. */
export type Decide<T, R> = (objects: readonly T[]) => R | undefined;

type WatchOutcome<R> = { done: true; value: R } | { done: false; relist: boolean; error?: unknown };

/** How long a wait may take, and the error it then fails with (made late, to say what it last saw). */
export interface WaitLimit {
  ms: number;
  error: () => Error;
}

export async function watchUntil<T extends KubernetesObject, R>(
  cluster: Cluster,
  query: ObjectQuery,
  decide: Decide<T, R>,
  signal: AbortSignal,
  limit?: WaitLimit,
): Promise<R> {
  if (!limit) return watchUntilAborted(cluster, query, decide, signal);
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort(limit.error());
  }, limit.ms);
  try {
    return await watchUntilAborted(cluster, query, decide, AbortSignal.any([signal, deadline.signal]));
  } finally {
    clearTimeout(timer);
  }
}

async function watchUntilAborted<T extends KubernetesObject, R>(
  cluster: Cluster,
  query: ObjectQuery,
  decide: Decide<T, R>,
  signal: AbortSignal,
): Promise<R> {
  const path = await collectionPath(cluster, query);
  for (;;) {
    signal.throwIfAborted();
    const list = await cluster.objects.list<T>(
      query.apiVersion,
      query.kind,
      query.namespace,
      undefined,
      undefined,
      undefined,
      query.fieldSelector,
      query.labelSelector,
    );
    const objects = new Map(list.items.map((o) => [key(o), o]));
    const listed = decide([...objects.values()]);
    if (listed !== undefined) {
      return listed;
    }
    let resourceVersion = list.metadata?.resourceVersion;
    let failures = 0;
    for (;;) {
      // watchOnce listens for the abort only from its start: one during the list must stop here.
      signal.throwIfAborted();
      const outcome = await watchOnce(cluster, path, query, resourceVersion, signal, (type, obj) => {
        resourceVersion = obj.metadata?.resourceVersion ?? resourceVersion;
        if (type === 'DELETED') {
          objects.delete(key(obj));
        } else if (type === 'ADDED' || type === 'MODIFIED') {
          objects.set(key(obj), obj as T);
        } else {
          return undefined;
        }
        return decide([...objects.values()]);
      });
      if (outcome.done) {
        return outcome.value;
      }
      if (outcome.relist) {
        break;
      }
      if (outcome.error === undefined) {
        failures = 0;
        continue;
      }
      failures += 1;
      try {
        if (!(await cluster.http.pauseAfter(outcome.error, failures, signal))) await sleep(200, undefined, { signal });
      } catch (error) {
        signal.throwIfAborted();
        throw error;
      }
    }
  }
}

function watchOnce<R>(
  cluster: Cluster,
  path: string,
  query: ObjectQuery,
  resourceVersion: string | undefined,
  signal: AbortSignal,
  onEvent: (type: string, obj: KubernetesObject) => R | undefined,
): Promise<WatchOutcome<R>> {
  return new Promise((resolve, reject) => {
    let controller: AbortController | undefined;
    let settled = false;
    let heard = Date.now();
    let probing = false;
    const quiet = setInterval(() => {
      if (probing || Date.now() - heard < SILENCE_NOTICE_MS / 2) return;
      probing = true;
      // Any answer will do; a silent server is said to be so by the request's own notices.
      cluster.core.getAPIResources().then(
        () => {
          heard = Date.now();
          probing = false;
        },
        () => {
          probing = false;
        },
      );
    }, SILENCE_NOTICE_MS / 4);
    quiet.unref();
    const settle = (outcome: WatchOutcome<R> | Error): void => {
      if (settled) return;
      settled = true;
      clearInterval(quiet);
      signal.removeEventListener('abort', onAbort);
      controller?.abort();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onAbort = (): void =>
      settle(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    signal.addEventListener('abort', onAbort, { once: true });
    const watch = new cluster.lib.Watch(cluster.config);
    watch
      .watch(
        path,
        {
          resourceVersion,
          allowWatchBookmarks: true,
          labelSelector: query.labelSelector,
          fieldSelector: query.fieldSelector,
        },
        (type, obj: KubernetesObject & { code?: number }) => {
          heard = Date.now();
          cluster.http.answered();
          if (type === 'ERROR') {
            // 410 Gone: our resourceVersion is too old to resume from.
            settle({ done: false, relist: obj.code === 410 });
            return;
          }
          const value = onEvent(type, obj);
          if (value !== undefined) settle({ done: true, value });
        },
        (error: unknown) => {
          if (signal.aborted) return;
          // A watch ending, with or without an error, is resumed; a 410 on connect re-lists.
          const gone = (error as { statusCode?: number } | null)?.statusCode === 410;
          settle(error && !gone ? { done: false, relist: false, error } : { done: false, relist: gone });
        },
      )
      .then((c) => {
        controller = c;
        if (settled) c.abort();
      }, settle);
  });
}

function key(obj: KubernetesObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/** The collection URL of a kind, resolved through API discovery (cached by the client). */
export async function collectionPath(
  cluster: Cluster,
  query: Pick<ObjectQuery, 'apiVersion' | 'kind' | 'namespace'>,
): Promise<string> {
  const resource = await cluster.objects.resourceOf(query.apiVersion, query.kind);
  if (!resource) {
    throw new Error(`the server has no resource for ${query.kind} in ${query.apiVersion}`);
  }
  const scope = resource.namespaced && query.namespace ? `/namespaces/${encodeURIComponent(query.namespace)}` : '';
  return `${groupVersionPath(query.apiVersion)}${scope}/${resource.name}`;
}

/** The URL path of an API group version: `/apis/apps/v1`, and `/api/v1` for the core group. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}
