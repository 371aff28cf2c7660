import {
  type AdminErrorCode,
  anthropicErrorBody,
  apiErrorBody,
  openAiErrorBody,
  type PublicErrorCode,
} from '@relay/schemas';
import { HTTPException } from 'hono/http-exception';
import type { Counter } from 'prom-client';
import { AdminError, PublicError } from '../errors.ts';

/** Which envelope a path answers with. */
export type Surface = 'admin' | 'anthropic' | 'openai' | 'ops';

export function surfaceOf(path: string): Surface {
  if (path.startsWith('/admin/')) return 'admin';
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (path.startsWith('/v1/') || path === '/v1') return 'openai';
  return 'ops';
}

/** Maps a public code to the admin surface's code when a shared failure (size, JSON) happens there. */
const ADMIN_EQUIVALENT: Partial<Record<PublicErrorCode, AdminErrorCode>> = {
  INVALID_REQUEST: 'INVALID_REQUEST',
  REQUEST_TOO_LARGE: 'REQUEST_TOO_LARGE',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
};

/** An error answer as plain data, written either as a web Response (Hono) or straight to the socket. */
export type ErrorAnswer = { status: number; headers: Record<string, string>; body: string };

export function errorAnswer(
  error: PublicError | AdminError,
  surface: Surface,
  requestId: string,
): ErrorAnswer {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
  let body: unknown;
  if (error instanceof AdminError) {
    body = apiErrorBody(error.code, error.message, requestId, error.details);
  } else if (surface === 'admin' || surface === 'ops') {
    body = apiErrorBody(ADMIN_EQUIVALENT[error.code] ?? error.code, error.message, requestId);
  } else if (surface === 'anthropic') {
    body = anthropicErrorBody(error.code, error.message);
  } else {
    body = openAiErrorBody(error.code, error.message, error.options.param ?? null);
  }
  if (error.code === 'REQUEST_TOO_LARGE' && surface === 'admin') {
    // The admin body limit refuses from Hono's web stream over the socket, which then never drains:
    // say the connection ends here, or a keep-alive client's next request dies on it ("other side
    // closed"). The relay reads /v1 bodies from the socket itself and Node discards the rest.
    headers.connection = 'close';
  }
  if (error instanceof PublicError && error.options.closeConnection) headers.connection = 'close';
  if (error.options.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.options.retryAfterSeconds)));
  }
  return { status: error.status, headers, body: JSON.stringify(body) };
}

export function errorResponse(
  error: PublicError | AdminError,
  surface: Surface,
  requestId: string,
): Response {
  return responseOf(errorAnswer(error, surface, requestId));
}

export function responseOf(answer: ErrorAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * What any failure of a request answers (the app's `onError` and the relay fast path): our errors
 * in their envelope (counted by code on the tenant surfaces), Hono's own 4xx in the same envelope,
 * anything else reported and answered 500 INTERNAL_ERROR.
 */
export function failureAnswer(
  error: unknown,
  surface: Surface,
  requestId: string,
  report: { publicErrors: Counter<'code'>; unexpected: (error: unknown) => void },
): ErrorAnswer {
  if (error instanceof PublicError || error instanceof AdminError) {
    if (surface === 'openai' || surface === 'anthropic') report.publicErrors.inc({ code: error.code });
    return errorAnswer(error, surface, requestId);
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own 4xx (e.g. a malformed JSON body in a validator) keep their status, in our envelope.
    const code = error.status === 413 ? 'REQUEST_TOO_LARGE' : 'INVALID_REQUEST';
    return errorAnswer(new PublicError(code, error.message || 'invalid request'), surface, requestId);
  }
  report.unexpected(error);
  return errorAnswer(new PublicError('INTERNAL_ERROR', 'internal error'), surface, requestId);
}
