// abortIf: stop conditions watched for the whole run. Each is sampled every second (they are
// metrics and health checks, not API objects to watch); one that holds for its `for` trips the run.
import { setTimeout as delay } from 'node:timers/promises';
import { queryScalar } from '../kube/traffic/prometheus.ts';
import { optionalDurationMs } from '../runbook/duration.ts';
import type { AbortCondition } from '../runbook/schema.ts';
import { resolveTemplates } from '../runbook/template.ts';
import { credentialsAsHeader } from '../url-credentials.ts';

export const ABORT_SAMPLE_INTERVAL_MS = 1000;
const PROBE_TIMEOUT_MS = 5000;

export interface AbortWatchOptions {
  params: Record<string, string>;
  /** Called once, with why, when a condition trips. */
  onTrip: (reason: string) => void;
  /** A condition that cannot be sampled (its Prometheus is down, say) is reported, not tripped. */
  onProblem: (message: string) => void;
  intervalMs?: number;
  env?: NodeJS.ProcessEnv;
}

interface Probe {
  describe: string;
  holdMs: number;
  /** Whether the condition holds now. */
  holds(signal: AbortSignal): Promise<boolean>;
}

function probeOf(condition: AbortCondition, params: Record<string, string>, env: NodeJS.ProcessEnv): Probe {
  const resolved = resolveTemplates(condition, { params, outputs: {} }) as AbortCondition;
  if ('prometheus' in resolved) {
    const { query, above, below } = resolved.prometheus;
    const url = resolved.prometheus.url ?? env.KUBECTL_DRILL_PROMETHEUS_URL;
    if (!url) throw new Error(`abortIf ${query}: no Prometheus url (set url, or KUBECTL_DRILL_PROMETHEUS_URL)`);
    const bound = above === undefined ? `< ${below}` : `> ${above}`;
    return {
      describe: `${query} ${bound}`,
      holdMs: optionalDurationMs(resolved.prometheus.for) ?? 0,
      holds: async (signal) => {
        const value = await queryScalar({ url, requestTimeoutMs: PROBE_TIMEOUT_MS }, query, signal);
        return above === undefined ? below !== undefined && value < below : value > above;
      },
    };
  }
  const { url, expectStatus = 200 } = resolved.http;
  const request = credentialsAsHeader(url);
  return {
    describe: `${url} not answering ${expectStatus}`,
    holdMs: 0,
    holds: async (signal) => {
      try {
        const response = await fetch(request.url, {
          headers: request.headers,
          signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
        });
        await response.body?.cancel();
        return response.status !== expectStatus;
      } catch {
        signal.throwIfAborted();
        return true;
      }
    },
  };
}
/** Starts sampling every condition; returns the function that stops it. */
export function watchAbortConditions(conditions: readonly AbortCondition[], options: AbortWatchOptions): () => void {
  const stop = new AbortController();
  const interval = options.intervalMs ?? ABORT_SAMPLE_INTERVAL_MS;
  // Shared by every probe's loop, and read after each await: the first condition to trip ends them all.
  let tripped = false;
  const isTripped = (): boolean => tripped;
  const probes = conditions.map((c) => probeOf(c, options.params, options.env ?? process.env));
  for (const probe of probes) {
    void (async () => {
      let holdingSince: number | undefined;
      while (!stop.signal.aborted && !isTripped()) {
        try {
          const holds = await probe.holds(stop.signal);
          holdingSince = holds ? (holdingSince ?? performance.now()) : undefined;
          if (holdingSince !== undefined && performance.now() - holdingSince >= probe.holdMs && !isTripped()) {
            tripped = true;
            options.onTrip(`abortIf tripped: ${probe.describe}`);
            return;
          }
        } catch (error) {
          if (stop.signal.aborted as boolean) return;
          options.onProblem(`abortIf ${probe.describe}: ${error instanceof Error ? error.message : String(error)}`);
        }
        await delay(interval, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    })();
  }
  return () => {
    stop.abort();
  };
}
