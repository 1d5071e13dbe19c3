import { parseJsonOrUndefined } from './json.ts';

// API errors as people should read them: the server's own message, not a stack of HTTP details.
// Response bodies are Status objects; they never carry credentials, and nothing else is shown.

export function apiStatusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return apiStatusCode(error) === 404;
}

/** 422: the request was refused as invalid, as a JSON Patch whose `test` failed is. */
export function isInvalid(error: unknown): boolean {
  return apiStatusCode(error) === 422;
}

export function isConflict(error: unknown): boolean {
  return apiStatusCode(error) === 409;
}

/** Whether an API error's Status carries a cause of this type (e.g. NamespaceTerminating). */
export function hasStatusCause(error: unknown, type: string): boolean {
  // A StatusCause's type is serialised as "reason".
  const status = statusOf(error) as { details?: { causes?: { reason?: string }[] } } | undefined;
  return status?.details?.causes?.some((cause) => cause.reason === type) ?? false;
}

/** The messages of an API error's Status causes of this type (e.g. DisruptionBudget: which budget, and why). */
export function statusCauseMessages(error: unknown, type: string): string[] {
  const status = statusOf(error) as { details?: { causes?: { reason?: string; message?: string }[] } } | undefined;
  return (status?.details?.causes ?? []).flatMap((cause) =>
    cause.reason === type && cause.message ? [cause.message] : [],
  );
}

function statusOf(error: unknown): unknown {
  const body = (error as { body?: unknown } | null)?.body;
  return typeof body === 'string' ? parseJsonOrUndefined(body) : body;
}

/** The Status message of an API error, or the error's own message. */
export function apiErrorMessage(error: unknown): string {
  const message = (statusOf(error) as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') return message;
  return error instanceof Error ? error.message : String(error);
}

/** Any failure talking to a cluster, as one line: the API's message, or what went wrong on the way. */
export function describeError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return 'an API request took longer than --request-timeout allows';
  }
  return apiErrorMessage(error);
}
