import { headerValue } from './header-value.ts';

/**
 * Why an upstream attempt failed, in the terms failover and account health need (gateway.md §4).
 * `request_error` is a 4xx caused by the request itself: passed through, never retried.
 */
export type UpstreamFailureKind =
  | 'connect_error'
  | 'timeout'
  | 'rate_limited'
  | 'server_error'
  | 'auth_error'
  | 'request_error'
  | 'stream_error';

export type UpstreamFailure = {
  kind: UpstreamFailureKind;
  status?: number;
  retryAfterMs?: number;
  message: string;
};

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** Classifies a thrown error from undici (before any response headers arrived). */
export function classifyThrown(error: unknown): UpstreamFailure {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
    return { kind: 'timeout', message: `upstream timed out before the first byte (${code})` };
  }
  if (code !== undefined && CONNECT_CODES.has(code))
    return { kind: 'connect_error', message: `${code}: ${message}` };
  return { kind: 'connect_error', message };
}

/** Classifies a non-2xx upstream status; undefined means the response is a success to relay as is. */
export function classifyStatus(
  status: number,
  retryAfterHeader: string | string[] | undefined,
): UpstreamFailure | undefined {
  if (status < 400) return undefined;
  if (status === 429) {
    return {
      kind: 'rate_limited',
      status,
      retryAfterMs: parseRetryAfter(retryAfterHeader),
      message: 'upstream rate limited (429)',
    };
  }
  if (status === 401 || status === 403)
    return { kind: 'auth_error', status, message: `upstream rejected the credential (${status})` };
  if (status === 408) return { kind: 'timeout', status, message: 'upstream request timeout (408)' };
  if (status >= 500) return { kind: 'server_error', status, message: `upstream error (${status})` };
  return { kind: 'request_error', status, message: `upstream refused the request (${status})` };
}

/** `Retry-After` as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = headerValue(header);
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  if (error instanceof Error && error.cause !== undefined) return errorCode(error.cause);
  return undefined;
}
