import { asString, isObject, type JsonObject } from './json.ts';

/** Anthropic error `type` for an HTTP status (what its SDK and clients expect to read). */
export function anthropicErrorType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 529 || status === 503) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** OpenAI error `type` for an HTTP status. */
export function openaiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** The message of an error body in either envelope (or the raw text when it is neither). */
export function errorMessageOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isObject(parsed) && isObject(parsed.error)) {
      return asString(parsed.error.message) ?? 'upstream error';
    }
  } catch {
    // not JSON
  }
  const text = body.trim();
  return text === '' ? 'upstream error' : text.slice(0, 500);
}

/**
 * An upstream error body, re-enveloped for the caller. The status is kept as it is, so each SDK raises
 * its own class for it (429 → RateLimitError, 400 → BadRequestError, …).
 */
export function errorBodyFor(
  protocol: 'openai' | 'anthropic',
  status: number,
  upstreamBody: string,
): JsonObject {
  const message = errorMessageOf(upstreamBody);
  if (protocol === 'anthropic')
    return { type: 'error', error: { type: anthropicErrorType(status), message } };
  return { error: { message, type: openaiErrorType(status), code: null, param: null } };
}
