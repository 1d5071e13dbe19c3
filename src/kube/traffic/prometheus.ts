// The `prometheus` measure: the region's request rate from a PromQL query over Prometheus' HTTP API
// (/api/v1/query). The remaining share is the rate now over the rate when the drain started or,
// with a query for the total, the region's part of the total now over its part then. A rate needs
// two scrapes: a Prometheus or exporter that has just started has no series or no rate yet, so the
// baseline is waited for (every second, up to 30 s by default) rather than refused at once.
import { type MeasureSource, type ShareMeasure, type ShareSampler, waitForBaseline } from './measure.ts';
import { remainingShare } from './share.ts';
import { parseJsonOrUndefined } from '../json.ts';

export interface PrometheusMeasureOptions {
  /** Prometheus' base URL, like http://127.0.0.1:9090. */
  url: string;
  /** PromQL for the region's request rate; its series are summed. */
  query: string;
  /** PromQL for the request rate of every region, when the share is to be read against it. */
  totalQuery?: string;
  intervalMs: number;
  /** Longest a single query may take. */
  requestTimeoutMs?: number;
  /** Longest to wait for the query to show the region's traffic before the drain. */
  baselineTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
/** Two scrapes at the common 15 s interval: a restarted Prometheus has a rate by then. */
const DEFAULT_BASELINE_TIMEOUT_MS = 30_000;
/** Scrape intervals are a second or more: reading more often finds nothing new. */
const BASELINE_RETRY_MS = 1000;

interface Reading {
  region: number;
  total?: number;
  /** Series of the region's query: none means not scraped yet (or labels that match nothing). */
  series: number;
}

export function prometheusMeasure(options: PrometheusMeasureOptions): ShareMeasure {
  const source: MeasureSource = 'prometheus';
  const read = async (signal: AbortSignal): Promise<Reading> => {
    const [region, total] = await Promise.all([
      queryData(options, options.query, signal),
      options.totalQuery === undefined ? undefined : queryData(options, options.totalQuery, signal),
    ]);
    return {
      region: sumResult(region, options.query),
      total: total && sumResult(total, options.totalQuery ?? ''),
      series: countSeries(region),
    };
  };
  const missing = (reading: Reading): string | undefined => {
    if (reading.series === 0) {
      return `the query ${options.query} at ${options.url} returns no series (not scraped yet, or labels that match nothing)`;
    }
    if (!(reading.region > 0)) {
      return `the query ${options.query} at ${options.url} shows no traffic in the region`;
    }
    if (reading.total !== undefined && !(reading.total > 0)) {
      return `the query ${options.totalQuery ?? ''} at ${options.url} shows no traffic at all`;
    }
    return undefined;
  };
  return {
    source,
    describe: () => `${options.query} at ${options.url}`,
    start: async (signal, progress): Promise<ShareSampler> => {
      const atStart = await waitForBaseline({
        read,
        missing,
        timeoutMs: options.baselineTimeoutMs ?? DEFAULT_BASELINE_TIMEOUT_MS,
        retryMs: BASELINE_RETRY_MS,
        source,
        signal,
        progress,
      });
      return {
        source,
        intervalMs: options.intervalMs,
        sample: async (sampleSignal) => {
          const now = await read(sampleSignal);
          return remainingShare(now.region, atStart.region, now.total, atStart.total);
        },
        close: () => undefined,
      };
    },
  };
}

/** The sum of an instant query's values; an empty result is 0 (a region without requests has no series). */
export async function queryScalar(
  options: Pick<PrometheusMeasureOptions, 'url' | 'requestTimeoutMs'>,
  query: string,
  signal: AbortSignal,
): Promise<number> {
  return sumResult(await queryData(options, query, signal), query);
}

/** An instant query's result, as Prometheus gives it. */
async function queryData(
  options: Pick<PrometheusMeasureOptions, 'url' | 'requestTimeoutMs'>,
  query: string,
  signal: AbortSignal,
): Promise<PrometheusResponse['data']> {
  const endpoint = `${options.url.replace(/\/+$/, '')}/api/v1/query`;
  const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ query }),
      signal: AbortSignal.any([signal, timeout]),
    });
  } catch (error) {
    signal.throwIfAborted();
    const why = timeout.aborted ? 'no answer in time' : causeOf(error);
    throw new Error(`Prometheus at ${options.url} is unreachable (${why})`, { cause: error });
  }
  const text = await response.text();
  const body = parseJsonOrUndefined(text) as PrometheusResponse | undefined;
  if (!response.ok || body?.status !== 'success') {
    const why = body?.error ?? `HTTP ${response.status}`;
    throw new Error(`Prometheus at ${options.url} rejected the query ${query}: ${why}`);
  }
  return body.data;
}

interface PrometheusResponse {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Sums a vector's values, or reads a scalar; NaN and infinite values (0/0 in a ratio) count as 0. */
export function sumResult(data: PrometheusResponse['data'], query: string): number {
  const finite = (value: unknown): number => {
    const number = Number(value);
    return Number.isFinite(number) ? number : 0;
  };
  switch (data?.resultType) {
    case 'vector': {
      const series = Array.isArray(data.result) ? (data.result as { value?: [number, string] }[]) : [];
      return series.reduce((sum, s) => sum + finite(s.value?.[1]), 0);
    }
    case 'scalar':
      return finite((data.result as [number, string] | undefined)?.[1]);
    default:
      throw new Error(
        `the query ${query} returns a ${data?.resultType ?? 'missing'} result: it must return a vector or a scalar`,
      );
  }
}

/** How many series a result holds: a scalar is one. */
export function countSeries(data: PrometheusResponse['data']): number {
  if (data?.resultType === 'scalar') return 1;
  return Array.isArray(data?.result) ? data.result.length : 0;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
