// The `http` measure: requests to a URL, each answered by some region that a response header names.
// The share is the region's part of the answers over a sliding window, compared with its part over
// the window before the drain. An answer is dated by when its request was sent: the region is chosen
// then (by DNS, by the load balancer the request reaches), not when the answer comes back; the
// window's share is dated by its newest answer, as a sliding window is dated by its end.
import { credentialsAsHeader } from '../../url-credentials.ts';
import type { MeasureSource, ShareMeasure, ShareSampler } from './measure.ts';
import { remainingShare } from './share.ts';

export interface HttpMeasureOptions {
  url: string;
  /** The response header naming the region that answered. */
  header: string;
  region: string;
  windowMs: number;
  intervalMs: number;
  requestTimeoutMs?: number;
}

interface Answer {
  at: number;
  inRegion: boolean;
}

/** Answers within the last `windowMs`, oldest first; older ones are dropped as new ones arrive. */
export class AnswerWindow {
  readonly #windowMs: number;
  readonly #answers: Answer[] = [];

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  add(at: number, inRegion: boolean): void {
    this.#answers.push({ at, inRegion });
    while (this.#answers.length > 0 && (this.#answers[0] as Answer).at <= at - this.#windowMs) this.#answers.shift();
  }

  counts(): { region: number; total: number } {
    return { region: this.#answers.filter((a) => a.inRegion).length, total: this.#answers.length };
  }
}

export function httpMeasure(options: HttpMeasureOptions): ShareMeasure {
  const source: MeasureSource = 'http';
  const request = credentialsAsHeader(options.url, { 'Cache-Control': 'no-cache' });
  const ask = async (signal: AbortSignal): Promise<boolean> => {
    let response: Response;
    try {
      response = await fetch(request.url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.requestTimeoutMs ?? 5000)]),
        headers: request.headers,
      });
      await response.arrayBuffer();
    } catch (error) {
      signal.throwIfAborted();
      throw new Error(`${options.url} did not answer: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    return response.headers.get(options.header) === options.region;
  };
  return {
    source,
    describe: () => `answers of ${options.url} whose ${options.header} is ${options.region}`,
    start: async (signal): Promise<ShareSampler> => {
      // The baseline is one window of answers just before the drain.
      const baseline = new AnswerWindow(options.windowMs);
      const started = performance.now();
      while (performance.now() - started < options.windowMs) {
        const sent = performance.now();
        baseline.add(sent, await ask(signal));
        await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
      }
      const atStart = baseline.counts();
      if (atStart.region === 0) {
        throw new Error(`no answer of ${options.url} came from ${options.region} before the drain: nothing to drain`);
      }
      const window = new AnswerWindow(options.windowMs);
      return {
        source,
        intervalMs: options.intervalMs,
        continuous: true,
        sample: async (sampleSignal) => {
          const sent = performance.now();
          window.add(sent, await ask(sampleSignal));
          const now = window.counts();
          const share = remainingShare(now.region, atStart.region, now.total, atStart.total);
          return { points: [{ share, at: sent }], asOf: sent };
        },
        close: () => undefined,
      };
    },
  };
}
