import { apiErrorEnvelopeSchema } from '@relay/schemas';
import type { z } from 'zod';
import { backoffDelayMs, delay } from './backoff.ts';
import { AdminApiError, AdminNetworkError, AdminProtocolError } from './errors.ts';
import { encodeQuery } from './query.ts';

export interface TransportOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  fetch: typeof fetch;
  userAgent: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT' | 'HEAD';
  /** Path from the base URL, starting with `/`. */
  path: string;
  query?: object;
  body?: unknown;
  headers?: Record<string, string>;
  /** Retry 5xx answers (network errors are retried whenever the request is retryable). */
  retry5xx?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** How many attempts were made (1 = no retry). */
  attempts: number;
}

/**
 * A POST creates or triggers something: replaying it is safe only when the server can
 * deduplicate it by Idempotency-Key. Every other method is idempotent.
 */
function isRetryable(req: HttpRequest): boolean {
  if (req.method !== 'POST') return true;
  return Object.keys(req.headers ?? {}).some((h) => h.toLowerCase() === 'idempotency-key');
}

/** Sends one logical request with per-attempt timeout and retries; never throws on an HTTP status. */
export async function send(opts: TransportOptions, req: HttpRequest): Promise<HttpResponse> {
  const url = `${opts.baseUrl}${req.path}${encodeQuery(req.query)}`;
  const headers: Record<string, string> = {
    accept: 'application/json',
    authorization: `Bearer ${opts.token}`,
    'user-agent': opts.userAgent,
  };
  let body: string | undefined;
  if (req.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.body);
  }
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;

  const maxAttempts = isRetryable(req) ? opts.retries + 1 : 1;
  for (let attempt = 1; ; attempt++) {
    const canRetry = attempt < maxAttempts;
    try {
      const res = await opts.fetch(url, {
        method: req.method,
        headers,
        body,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      // The timeout also covers reading the body.
      const text = await res.text();
      if (res.status >= 500 && req.retry5xx !== false && canRetry) {
        await delay(backoffDelayMs(attempt - 1, opts.retryBaseMs));
        continue;
      }
      return { status: res.status, headers: res.headers, text, attempts: attempt };
    } catch (err) {
      if (canRetry) {
        await delay(backoffDelayMs(attempt - 1, opts.retryBaseMs));
        continue;
      }
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new AdminNetworkError(req.method, req.path, err, timedOut);
    }
  }
}

/** The error an HTTP error status stands for. */
export function apiErrorFrom(req: HttpRequest, res: HttpResponse): AdminApiError {
  const headerRequestId = res.headers.get('x-request-id');
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.text);
  } catch {
    parsed = undefined;
  }
  const envelope = apiErrorEnvelopeSchema.safeParse(parsed);
  if (envelope.success) {
    const e = envelope.data.error;
    return new AdminApiError({
      method: req.method,
      path: req.path,
      status: res.status,
      code: e.code,
      message: e.message,
      requestId: e.request_id || headerRequestId,
      details: e.details,
    });
  }
  return new AdminApiError({
    method: req.method,
    path: req.path,
    status: res.status,
    code: 'HTTP_ERROR',
    message: res.text.slice(0, 500) || `HTTP ${res.status}`,
    requestId: headerRequestId,
  });
}

/** Parses a 2xx JSON body with `schema`; a mismatch is an AdminProtocolError naming the path. */
export function parseBody<S extends z.ZodType>(req: HttpRequest, res: HttpResponse, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new AdminProtocolError(
      req.method,
      req.path,
      res.status,
      `body is not JSON: ${res.text.slice(0, 200)}`,
    );
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const summary = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new AdminProtocolError(
      req.method,
      req.path,
      res.status,
      `schema mismatch: ${summary}`,
      result.error.issues,
    );
  }
  return result.data;
}

/** Sends `req`, throws AdminApiError on an error status, and parses the body with `schema`. */
export async function call<S extends z.ZodType>(
  opts: TransportOptions,
  req: HttpRequest,
  schema: S,
): Promise<{ data: z.output<S>; res: HttpResponse }> {
  const res = await send(opts, req);
  if (res.status >= 400) throw apiErrorFrom(req, res);
  return { data: parseBody(req, res, schema), res };
}
