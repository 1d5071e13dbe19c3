import { setTimeout as delay } from 'node:timers/promises';
import Type, { type Static } from 'typebox';
import { durationMs, formatDuration } from '../../runbook/duration.ts';
import { Duration, HttpUrl } from '../../runbook/inputs.ts';
import { defineAction } from '../action.ts';
import { credentialsAsHeader } from '../../url-credentials.ts';

/** Pause between a failed check and its retry. */
const RETRY_DELAY_MS = 1000;
/** How much of an unexpected response's body a failure quotes. */
const BODY_EXCERPT_CHARS = 200;

const checkInput = Type.Object(
  {
    url: HttpUrl({ description: 'URL to request.' }),
    method: Type.Optional(
      Type.Enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], {
        default: 'GET',
        description: 'HTTP method.',
      }),
    ),
    expectStatus: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 599, default: 200, description: 'Expected response status.' }),
    ),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        propertyNames: {
          pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
          patternErrorMessage: 'must be an HTTP header name, like Authorization',
        },
        description:
          'Request headers, like Authorization or X-Api-Key. Their values are never shown: masked as *** ' +
          'wherever they would appear (plan, journal, report, terminal).',
      }),
    ),
    bodyContains: Type.Optional(Type.String({ description: 'Text the response body must contain.' })),
    timeout: Type.Optional(Duration({ default: '10s', description: 'Timeout of each request.' })),
    retries: Type.Optional(
      Type.Integer({ minimum: 0, default: 0, description: 'How many times to retry a failed check.' }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ url: 'https://shop.example.com/healthz', expectStatus: 200, retries: 5 }],
  },
);

type CheckInput = Static<typeof checkInput>;

export default defineAction({
  name: 'http.check',
  summary: 'Send an HTTP request and check the response status and body, retrying until it passes.',
  mutating: false,
  input: checkInput,
  outputs: { status: 'HTTP status of the last response.' },
  secretInputs: ['headers'],
  plan: (input) => {
    const body = input.bodyContains === undefined ? '' : ` and "${input.bodyContains}" in the body`;
    const retries = input.retries ? `, retrying ${input.retries} times ${RETRY_DELAY_MS / 1000}s apart` : '';
    return Promise.resolve({
      summary: `${input.method ?? 'GET'} ${input.url}, expecting status ${input.expectStatus ?? 200}${body}${retries}`,
      // Names only: the values are credentials.
      ...(input.headers && { details: [`headers: ${Object.keys(input.headers).join(', ')}`] }),
    });
  },
  execute: async (input, context) => {
    const timeoutMs = durationMs(input.timeout ?? '10s');
    const attempts = (input.retries ?? 0) + 1;
    const request = requestOf(input, context.mask);
    for (let attempt = 1; ; attempt++) {
      const outcome = await checkOnce(request, input, timeoutMs, context.signal);
      if (outcome.problem === undefined) return { outputs: { status: outcome.status } };
      const tried = attempts > 1 ? ` (attempt ${attempt} of ${attempts})` : '';
      if (attempt >= attempts) throw new Error(`${input.method ?? 'GET'} ${input.url}: ${outcome.problem}${tried}`);
      context.progress(`${outcome.problem}${tried}; retrying`, { attempt, status: outcome.status });
      // The timer rejects only when aborted; the abort's own reason says why.
      await delay(RETRY_DELAY_MS, undefined, { signal: context.signal }).catch(() => {
        context.signal.throwIfAborted();
      });
    }
  },
});

interface Request {
  url: string;
  headers: Headers;
}

/** Credentials in the URL travel as a Basic Authorization header, masked should a server echo them. */
function requestOf(input: CheckInput, mask: (values: readonly string[]) => void): Request {
  const { url, headers, secrets } = credentialsAsHeader(input.url, input.headers);
  mask(secrets);
  return { url, headers };
}

/** One request; a problem is a failed check, an abort of the step throws. */
async function checkOnce(
  request: Request,
  input: CheckInput,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ status?: number; problem?: string }> {
  const expected = input.expectStatus ?? 200;
  try {
    const response = await fetch(request.url, {
      headers: request.headers,
      method: input.method ?? 'GET',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      // A check that expects a redirect must see it rather than where it leads.
      redirect: expected >= 300 && expected < 400 ? 'manual' : 'follow',
    });
    const body = await response.text();
    const { status } = response;
    if (status !== expected) {
      return { status, problem: `got status ${status}, expected ${expected}${excerpt(body)}` };
    }
    if (input.bodyContains !== undefined && !body.includes(input.bodyContains)) {
      return { status, problem: `the body does not contain "${input.bodyContains}"${excerpt(body)}` };
    }
    return { status };
  } catch (error) {
    signal.throwIfAborted();
    return { problem: describeFailure(error, timeoutMs) };
  }
}

function excerpt(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text === '') return '';
  return `; body: ${text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}...` : text}`;
}

/** fetch's errors say "fetch failed"; what failed is in their cause. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError')
    return `no response within ${formatDuration(timeoutMs)}`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail = typeof cause?.code === 'string' ? cause.code : cause?.message;
  return `request failed: ${typeof detail === 'string' ? detail : String(error)}`;
}
