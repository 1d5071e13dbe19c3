// Every request to an API server goes through here (the client's HTTP library for the typed APIs
// and KubernetesObjectApi, `apiRequest` for the rest; watches use its judgement and notices), so a
// control plane in trouble is survived in one place, the way one decides for all:
//
// - What is transient: a connection refused, reset or timed out (the error's `cause.code`), 429 (API
//   Priority and Fairness; never one naming a DisruptionBudget: that is the eviction's answer, left
//   to the drain), and 5xx (an etcd leader change is a 500, a half-started server a 503). Decided by
//   status code, Status details and errno code, never by the words of a message.
// - What may be sent again: a request the server surely did not act on (the connection was
//   refused; a 429, or a 503 with Retry-After) always; any other transient failure only for a
//   request whose repetition changes nothing (reads, server dry runs, access reviews, merge and
//   apply patches) or is harmless (an eviction: evicting twice is evicting once). A create is thus
//   retried only when it never arrived, so a 409 AlreadyExists after a retry is somebody else's
//   object, reported as such by the caller, never taken for ours.
// - For how long: until the caller's scope ends (the step's signal: its timeout, an interruption),
//   or UNSCOPED_RETRY_MS outside a step; waits grow from BACKOFF_FIRST_MS to BACKOFF_MAX_MS, or
//   follow Retry-After. Each retry is said in the scope's notices (a step's progress), and so is a
//   server silent for SILENCE_NOTICE_MS, and its answering again.
// - What is said at the end: an unreachable server is named with the reason (`API server
//   https://10.0.0.1:6443 cannot be reached: connection refused (ECONNREFUSED)`), a silent one
//   as not answering for so long; never `fetch failed`.
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestContext, ResponseContext } from '@kubernetes/client-node';
import type { ClientLibrary } from './cluster.ts';
import { failureBody } from './body.ts';
import { mediaType } from './media-type.ts';

/** Where the requests made inside it retry until, and say what happens. */
export interface ApiScope {
  /** Ends the retries (a step's timeout or interruption); without it, UNSCOPED_RETRY_MS do. */
  signal?: AbortSignal;
  notice?: (message: string) => void;
}

export const UNSCOPED_RETRY_MS = 30_000;
export const BACKOFF_FIRST_MS = 250;
export const BACKOFF_MAX_MS = 4_000;
/** A request unanswered this long is said to be so, and again every as long. */
export const SILENCE_NOTICE_MS = 4_000;

const scopes = new AsyncLocalStorage<ApiScope>();

/** Runs fn(...args) with its API requests retried within scope (the engine gives each step one). */
export function withApiScope<A extends unknown[], R>(scope: ApiScope, fn: (...args: A) => R, ...args: A): R {
  return scopes.run(scope, fn, ...args);
}

function currentScope(): ApiScope {
  return scopes.getStore() ?? {};
}

/** How a failed attempt may be retried; `unprocessed`: the server surely did not act on it. */
export type Verdict =
  { transient: false } | { transient: true; unprocessed: boolean; why: string; retryAfterMs?: number };

interface NetworkError {
  says: string;
  /** The request never left: connecting failed. */
  unsent: boolean;
}

// Errno and undici codes of a failed connection, by what they mean for a retry.
const NETWORK_ERRORS: Readonly<Record<string, NetworkError>> = {
  ECONNREFUSED: { says: 'connection refused', unsent: true },
  EHOSTUNREACH: { says: 'host unreachable', unsent: true },
  ENETUNREACH: { says: 'network unreachable', unsent: true },
  EAI_AGAIN: { says: 'name lookup failed for now', unsent: true },
  UND_ERR_CONNECT_TIMEOUT: { says: 'connecting timed out', unsent: true },
  ECONNRESET: { says: 'connection reset', unsent: false },
  EPIPE: { says: 'connection broken', unsent: false },
  ETIMEDOUT: { says: 'connection timed out', unsent: false },
  UND_ERR_SOCKET: { says: 'connection closed by the server', unsent: false },
  UND_ERR_CLOSED: { says: 'connection closed', unsent: false },
  UND_ERR_HEADERS_TIMEOUT: { says: 'no answer in time', unsent: false },
  UND_ERR_BODY_TIMEOUT: { says: 'answer cut off', unsent: false },
};

/** The errno-like code of a failed request: fetch's TypeError carries it in `cause`. */
export function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    // Connecting to every address of a name fails as an AggregateError of each attempt.
    const first = (e as { errors?: unknown[] }).errors?.[0];
    const inner = (first as { code?: unknown } | undefined)?.code;
    if (typeof inner === 'string') return inner;
  }
  return undefined;
}

export function judgeError(error: unknown): Verdict {
  const code = networkCode(error);
  const known = code === undefined ? undefined : NETWORK_ERRORS[code];
  if (!known) return { transient: false };
  return { transient: true, unprocessed: known.unsent, why: `${known.says} (${code})` };
}

interface StatusBody {
  reason?: string;
  details?: { causes?: { reason?: string }[] };
}

export function judgeResponse(status: number, headers: Readonly<Record<string, string>>, body: unknown): Verdict {
  const statusBody = (typeof body === 'object' && body !== null ? body : {}) as StatusBody;
  const seconds = Number(headers['retry-after']);
  const retryAfterMs = headers['retry-after'] !== undefined && Number.isFinite(seconds) ? seconds * 1000 : undefined;
  const why = `answered ${status}${statusBody.reason ? ` ${statusBody.reason}` : ''}`;
  if (status === 429) {
    if (statusBody.details?.causes?.some((c) => c.reason === 'DisruptionBudget')) return { transient: false };
    return { transient: true, unprocessed: true, why, retryAfterMs };
  }
  if (status >= 500 && status <= 599) {
    return { transient: true, unprocessed: status === 503 && retryAfterMs !== undefined, why, retryAfterMs };
  }
  return { transient: false };
}

const REPEATABLE_PATCHES = new Set([
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
]);
const REVIEWS =
  /\/(selfsubjectaccessreviews|subjectaccessreviews|selfsubjectrulesreviews|tokenreviews|selfsubjectreviews)$/;

/** Whether sending the request twice leaves the cluster as sending it once (or harmlessly so). */
export function mayRepeat(method: string, url: string, contentType: string | undefined): boolean {
  const { pathname, searchParams } = new URL(url);
  if (method === 'GET' || method === 'HEAD' || searchParams.get('dryRun') === 'All') return true;
  if (method === 'POST') return pathname.endsWith('/eviction') || REVIEWS.test(pathname);
  if (method === 'PATCH') return REPEATABLE_PATCHES.has(mediaType(contentType));
  return false;
}

export function backoffMs(attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return Math.min(retryAfterMs, 30_000);
  return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (attempt - 1));
}

/** A server that could not be reached or did not answer, named. */
export class ApiServerUnavailable extends Error {
  override name = 'ApiServerUnavailable';
  /** The errno-like code, when connecting failed. */
  readonly reason: string | undefined;

  constructor(message: string, reason?: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

export function unreachable(server: string, error: unknown): ApiServerUnavailable {
  const code = networkCode(error);
  const says = code === undefined ? undefined : NETWORK_ERRORS[code]?.says;
  const inner = innermost(error);
  const detail = says ? `${says} (${code})` : code ? `${inner} (${code})` : inner;
  return new ApiServerUnavailable(`API server ${server} cannot be reached: ${detail}`, code, { cause: error });
}

function innermost(error: unknown): string {
  let e: unknown = error;
  while ((e as { cause?: unknown } | null)?.cause instanceof Error) e = (e as { cause: Error }).cause;
  return e instanceof Error ? e.message : String(e);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

function describe(request: RequestContext): string {
  const url = new URL(request.getUrl());
  return `${request.getHttpMethod()} ${url.pathname}`;
}

function isRequestTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

/**
 * Takes a successful answer's body as it arrives, so that a big one is never held whole. Told of
 * each attempt's body before it comes; a body it does not take (of another Content-Type) is kept.
 */
export interface BodyReader {
  start(contentType: string | undefined): boolean;
  push(chunk: Uint8Array): void;
}

/**
 * The client's HTTP library with the retries, notices and names above; one per cluster, so
 * silences and recoveries are said once for all its requests.
 */
export class ResilientHttp {
  readonly #lib: ClientLibrary;
  readonly #server: string;
  readonly #requestTimeoutMs: number | undefined;
  // Per scope that was told of trouble (by its notice function): since when, and when it was last
  // told of a silence, so concurrent requests say it once, and only scopes told of it hear the end.
  readonly #trouble = new WeakMap<(message: string) => void, { since: number; lastSilence: number }>();

  /** requestTimeoutMs: kubectl's --request-timeout, the longest one attempt may take. */
  constructor(lib: ClientLibrary, server: string, requestTimeoutMs?: number) {
    this.#lib = lib;
    this.#server = server.replace(/\/+$/, '');
    this.#requestTimeoutMs = requestTimeoutMs === 0 ? undefined : requestTimeoutMs;
  }

  get server(): string {
    return this.#server;
  }

  /** A 2xx answer's body goes to `bodyReader`, if it takes it, instead of being kept. */
  async send(request: RequestContext, bodyReader?: BodyReader): Promise<ResponseContext> {
    const scope = currentScope();
    const own = request.getSignal();
    const stop = AbortSignal.any([scope.signal ?? AbortSignal.timeout(UNSCOPED_RETRY_MS), ...(own ? [own] : [])]);
    const repeatable = mayRepeat(request.getHttpMethod(), request.getUrl(), request.getHeaders()['Content-Type']);
    const inner = new this.#lib.IsomorphicFetchHttpLibrary();
    let lastError: unknown;
    for (let attempt = 1; ; attempt++) {
      request.setSignal(
        this.#requestTimeoutMs ? AbortSignal.any([stop, AbortSignal.timeout(this.#requestTimeoutMs)]) : stop,
      );
      const started = Date.now();
      const silence = setInterval(() => {
        this.#sayOnce(scope, Date.now() - started);
      }, SILENCE_NOTICE_MS);
      silence.unref();
      let verdict: Verdict;
      let response: ResponseContext | undefined;
      try {
        response = await this.#buffered(await inner.send(request).toPromise(), bodyReader);
        const status = response.httpStatusCode;
        const body =
          status >= 400 ? await failureBody(response.headers['content-type'], await response.body.binary()) : undefined;
        verdict = judgeResponse(status, response.headers, body);
      } catch (error) {
        if (stop.aborted) throw this.#stopped(stop.reason, lastError, Date.now() - started);
        if (isRequestTimeout(error)) throw error;
        verdict = judgeError(error);
        lastError = unreachable(this.#server, error);
        if (!verdict.transient || !(verdict.unprocessed || repeatable)) throw lastError;
      } finally {
        clearInterval(silence);
      }
      if (response && (!verdict.transient || !(verdict.unprocessed || repeatable))) {
        this.#recovered(scope);
        return response;
      }
      if (!verdict.transient) throw lastError;
      const wait = backoffMs(attempt, verdict.retryAfterMs);
      this.#troubled(scope, started);
      scope.notice?.(
        `API server ${this.#server} ${verdict.why}: ${describe(request)} again in ${wait < 1000 ? `${wait}ms` : seconds(wait)} (attempt ${attempt + 1})`,
      );
      try {
        await sleep(wait, undefined, { signal: stop });
      } catch {
        // Time is up: the last answer stands as the server gave it, or the failure is named.
        if (response) return response;
        throw this.#stopped(stop.reason, lastError, 0);
      }
    }
  }

  /**
   * The body read whole (or given whole to `bodyReader`), so a connection cut in the middle of it is
   * a failed attempt, not a broken response.
   */
  async #buffered(response: ResponseContext, bodyReader?: BodyReader): Promise<ResponseContext> {
    const status = response.httpStatusCode;
    const taken = status >= 200 && status <= 299 && bodyReader?.start(response.headers['content-type']);
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body.stream() ?? []) {
      if (taken) bodyReader?.push(chunk);
      else chunks.push(chunk);
    }
    return new this.#lib.ResponseContext(
      status,
      response.headers,
      new this.#lib.SelfDecodingBody(Promise.resolve(Buffer.concat(chunks))),
    );
  }

  /** What a request that ran out of time throws: why the server failed it, else the caller's reason. */
  #stopped(reason: unknown, lastError: unknown, silentMs: number): unknown {
    if (silentMs >= SILENCE_NOTICE_MS) {
      return new ApiServerUnavailable(`API server ${this.#server} not answering for ${seconds(silentMs)}`);
    }
    return lastError ?? reason;
  }

  #troubled(scope: ApiScope, since: number): { since: number; lastSilence: number } | undefined {
    if (!scope.notice) return undefined;
    let trouble = this.#trouble.get(scope.notice);
    if (!trouble) {
      trouble = { since, lastSilence: 0 };
      this.#trouble.set(scope.notice, trouble);
    }
    return trouble;
  }

  #sayOnce(scope: ApiScope, silentMs: number): void {
    const now = Date.now();
    const trouble = this.#troubled(scope, now - silentMs);
    if (!trouble || now - trouble.lastSilence < SILENCE_NOTICE_MS / 2) return;
    trouble.lastSilence = now;
    scope.notice?.(`API server ${this.#server} not answering for ${seconds(silentMs)}`);
  }

  #recovered(scope: ApiScope): void {
    const trouble = scope.notice && this.#trouble.get(scope.notice);
    if (!scope.notice || !trouble) return;
    this.#trouble.delete(scope.notice);
    scope.notice(`API server ${this.#server} answering again after ${seconds(Date.now() - trouble.since)}`);
  }

  /**
   * For a caller that retries on its own (a watch that ended with an error): says why, in the
   * scope's notices when the failure is transient, and waits as a request would before its next
   * attempt. Returns false when the failure is not one to wait out.
   */
  async pauseAfter(error: unknown, attempt: number, signal: AbortSignal): Promise<boolean> {
    const status = (error as { statusCode?: unknown } | null)?.statusCode;
    const verdict = typeof status === 'number' ? judgeResponse(status, {}, undefined) : judgeError(error);
    if (!verdict.transient) return false;
    const wait = backoffMs(attempt);
    const scope = currentScope();
    this.#troubled(scope, Date.now());
    scope.notice?.(
      `API server ${this.#server} ${verdict.why}: watch again in ${wait < 1000 ? `${wait}ms` : seconds(wait)}`,
    );
    await sleep(wait, undefined, { signal });
    return true;
  }

  /** A watch event arrived: the server answers. */
  answered(): void {
    this.#recovered(currentScope());
  }
}
