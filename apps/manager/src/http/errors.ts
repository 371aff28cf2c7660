import { apiErrorBody, validationDetails } from '@relay/schemas';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import type { ErrorCode } from '../errors.ts';
import { ManagerError } from '../errors.ts';
import type { AppEnv } from './env.ts';

/** The envelope response for a ManagerError, with the request id. */
export function errorResponse(c: Context<AppEnv>, error: ManagerError): Response {
  const body = apiErrorBody(error.code, error.message, c.get('requestId') ?? 'unknown', error.details);
  return c.json(body, error.status as 400, error.headers);
}

/** The one error handler: domain errors keep their code; everything else unexpected is a logged 500. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ManagerError) return errorResponse(c, err);
  if (err instanceof HTTPException) return errorResponse(c, fromHttpException(err));
  c.get('logger')?.error({ err }, 'unhandled error');
  return errorResponse(
    c,
    new ManagerError('INTERNAL_ERROR', 'internal error; the request id identifies it in the logs'),
  );
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, new ManagerError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`));

/** Hono's own exceptions (malformed JSON from the validator, body limit) mapped to stable codes. */
function fromHttpException(err: HTTPException): ManagerError {
  const byStatus: Record<number, ErrorCode> = {
    400: 'INVALID_REQUEST',
    401: 'AUTH_REQUIRED',
    404: 'NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    413: 'REQUEST_TOO_LARGE',
  };
  const code = byStatus[err.status] ?? (err.status < 500 ? 'INVALID_REQUEST' : 'INTERNAL_ERROR');
  const message = err.message.includes('Malformed JSON')
    ? 'the request body is not valid JSON'
    : err.message || code;
  return new ManagerError(code, message);
}

/** zod validation failures of any request part, as one 400 VALIDATION_FAILED with the field paths. */
export function validationError(error: ZodError, target: string): ManagerError {
  const issues = error.issues.map((issue) => ({
    path: [target === 'json' ? 'body' : target, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  return new ManagerError(
    'VALIDATION_FAILED',
    first === undefined ? 'invalid request' : `${first.path}: ${first.message}`,
    validationDetails(issues),
  );
}
