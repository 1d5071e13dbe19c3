// The `prometheus` measure: the region's request rate from a PromQL query over Prometheus' HTTP API
// (/api/v1/query). The remaining share is the rate now over the rate when the drain started or,
// with a query for the total, the region's part of the total now over its part then. A rate needs
// two scrapes: a Prometheus or exporter that has just started has no series or no rate yet, so the
// baseline is waited for (every second, up to 30 s by default) rather than refused at once.
//
// Dating: a rate is the traffic of the interval that ends at the newest scrape behind it (with an
// irate, between the last two scrapes), so each share is dated by that scrape, the way the share of
// a sliding window is dated by its end, and a crossing is interpolated between two scrapes (see
// share.ts). An instant query is stamped with the time it was evaluated, not with its samples' times,
// so after the baseline the measure asks for ranges (/api/v1/query_range) on a fine grid of
// evaluation times, from the last one it read to half a second ago (a scrape's samples carry its
// start and are stored at its end: what is older is settled): the query's value changes at the
// first evaluation at or after a scrape, and the scrape is between that evaluation and the one
// before. Prometheus' clock is read against ours from the baseline's evaluation time, so a server
// whose clock is off (by more than a round trip) does not shift the measure. A query over a long
// range (rate(...[1m])) still describes that range: time-to-drain is then when the range's average
// crossed, by definition.
import {
  type MeasureSource,
  type ShareMeasure,
  type SharePoint,
  type ShareSampler,
  waitForBaseline,
} from './measure.ts';
import { remainingShare } from './share.ts';
import { parseJsonOrUndefined } from '../json.ts';
import { credentialsAsHeader } from '../../url-credentials.ts';

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
/** The grid of evaluation times: a scrape is dated to within half of it. */
const STEP_MS = 100;
/** How old an evaluation time must be for every scrape before it to be stored. */
const SETTLE_MS = 500;
/** Prometheus answers at most 11,000 points per series and range. */
const MAX_STEPS = 10_000;

interface Reading {
  region: number;
  total?: number;
  /** Series of the region's query: none means not scraped yet (or labels that match nothing). */
  series: number;
  /** Prometheus' time minus ours (ms), from when the query was evaluated and when we asked. */
  clockOffset?: number;
  /** When Prometheus evaluated the query, on its clock (ms). */
  evaluatedAt?: number;
}

export function prometheusMeasure(options: PrometheusMeasureOptions): ShareMeasure {
  const source: MeasureSource = 'prometheus';
  const instant = (query: string, signal: AbortSignal) => queryData(options, 'query', { query }, signal);
  const read = async (signal: AbortSignal): Promise<Reading> => {
    const sent = performance.now();
    const region = await instant(options.query, signal);
    const received = performance.now();
    const total = options.totalQuery === undefined ? undefined : await instant(options.totalQuery, signal);
    const evaluatedAt = evaluationTime(region);
    return {
      region: sumResult(region, options.query),
      total: total && sumResult(total, options.totalQuery ?? ''),
      series: countSeries(region),
      evaluatedAt,
      clockOffset: evaluatedAt === undefined ? undefined : clockOffset(evaluatedAt, sent, received),
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
      // A baseline has series, so its evaluation time is known.
      const offset = atStart.clockOffset ?? 0;
      let evaluated = atStart.evaluatedAt ?? performance.now() + offset;
      let previous: Rates = { region: atStart.region, total: atStart.total };
      return {
        source,
        intervalMs: options.intervalMs,
        continuous: true,
        sample: async (sampleSignal) => {
          const settled = performance.now() + offset - SETTLE_MS;
          const steps = Math.min(MAX_STEPS, Math.floor((settled - evaluated) / STEP_MS));
          if (steps < 1) return { points: [], asOf: evaluated - offset };
          const range = { from: evaluated + STEP_MS, to: evaluated + steps * STEP_MS, stepMs: STEP_MS };
          const [region, total] = await Promise.all([
            queryRange(options, options.query, range, sampleSignal),
            options.totalQuery === undefined ? undefined : queryRange(options, options.totalQuery, range, sampleSignal),
          ]);
          const points: SharePoint[] = [];
          for (let at = range.from; at <= range.to; at += STEP_MS) {
            const now: Rates = { region: region.get(at) ?? 0, total: total && (total.get(at) ?? 0) };
            if (now.region === previous.region && now.total === previous.total) continue;
            previous = now;
            // The scrape that changed the value came after the evaluation before this one.
            points.push({
              share: remainingShare(now.region, atStart.region, now.total, atStart.total),
              at: at - STEP_MS / 2 - offset,
            });
          }
          evaluated = range.to;
          return { points, asOf: evaluated - offset };
        },
        close: () => undefined,
      };
    },
  };
}

interface Rates {
  region: number;
  total?: number;
}

type Connection = Pick<PrometheusMeasureOptions, 'url' | 'requestTimeoutMs'>;

/** The sum of an instant query's values; an empty result is 0 (a region without requests has no series). */
export async function queryScalar(options: Connection, query: string, signal: AbortSignal): Promise<number> {
  return sumResult(await queryData(options, 'query', { query }, signal), query);
}

/** Evaluation times in ms on Prometheus' clock, `stepMs` apart from `from` to `to` included. */
interface Range {
  from: number;
  to: number;
  stepMs: number;
}

/** A range query's values summed over its series, by evaluation time (ms); a time without any is absent. */
async function queryRange(options: Connection, query: string, range: Range, signal: AbortSignal) {
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const data = await queryData(
    options,
    'query_range',
    { query, start: seconds(range.from), end: seconds(range.to), step: seconds(range.stepMs) },
    signal,
  );
  return sumMatrix(data, query);
}

/** A query's result, as Prometheus gives it; `api` is query or query_range. */
async function queryData(
  options: Connection,
  api: 'query' | 'query_range',
  params: { query: string } & Record<string, string>,
  signal: AbortSignal,
): Promise<PrometheusResponse['data']> {
  const { query } = params;
  const endpoint = credentialsAsHeader(`${options.url.replace(/\/+$/, '')}/api/v1/${api}`, {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  });
  const timeout = AbortSignal.timeout(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(endpoint.url, {
      method: 'POST',
      headers: endpoint.headers,
      body: new URLSearchParams(params),
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

/**
 * Sums a range's values by evaluation time (ms), as sumResult does for one instant. A vector (what
 * a proxy that answers every query as an instant one gives) is a range of one evaluation each.
 */
export function sumMatrix(data: PrometheusResponse['data'], query: string): Map<number, number> {
  if (data?.resultType !== 'matrix' && data?.resultType !== 'vector') {
    throw new Error(`the query ${query} returns a ${data?.resultType ?? 'missing'} result over a range`);
  }
  const sums = new Map<number, number>();
  interface Series {
    values?: [number, string][];
    value?: [number, string];
  }
  const series = Array.isArray(data.result) ? (data.result as Series[]) : [];
  for (const { values, value } of series) {
    for (const [time, sample] of values ?? (value ? [value] : [])) {
      const at = Math.round(time * 1000);
      sums.set(at, (sums.get(at) ?? 0) + finite(sample));
    }
  }
  return sums;
}

/** When an instant query was evaluated (ms, Prometheus' clock); unknown for an empty vector. */
export function evaluationTime(data: PrometheusResponse['data']): number | undefined {
  const value =
    data?.resultType === 'scalar'
      ? (data.result as [number, string] | undefined)
      : Array.isArray(data?.result)
        ? (data.result as { value?: [number, string] }[])[0]?.value
        : undefined;
  return typeof value?.[0] === 'number' ? Math.round(value[0] * 1000) : undefined;
}

/**
 * Prometheus' clock minus our monotonic clock (ms), from a query it evaluated at `evaluatedAt` (its
 * clock) between `sent` and `received` (ours). Clocks are assumed in step (NTP), as near as the
 * exchange allows: the evaluation was somewhere between sending and receiving, so only a skew larger
 * than that uncertainty is believed, and only by what exceeds it. A midpoint estimate would be off
 * by however unevenly the round trip splits (a new connection, a busy server), a few hundred ms.
 */
export function clockOffset(
  evaluatedAt: number,
  sent: number,
  received: number,
  ours = Date.now() - performance.now(),
): number {
  const uncertainty = (received - sent) / 2;
  const skew = evaluatedAt - (ours + (sent + received) / 2);
  return ours + Math.sign(skew) * Math.max(0, Math.abs(skew) - uncertainty);
}

/** How many series a result holds: a scalar is one. */
export function countSeries(data: PrometheusResponse['data']): number {
  if (data?.resultType === 'scalar') return 1;
  return Array.isArray(data?.result) ? data.result.length : 0;
}

/** A sample's value; NaN and infinite values (0/0 in a ratio) count as 0. */
function finite(value: unknown): number {
  const number = Number(value);
  return Number.isFinite(number) ? number : 0;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
