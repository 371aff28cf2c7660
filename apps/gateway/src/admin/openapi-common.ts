import { z } from '@hono/zod-openapi';
import { apiErrorEnvelopeSchema } from '@relay/schemas';

/** Error answers every admin route may give, in the admin envelope. */
export function errorResponses(...statuses: (400 | 401 | 404 | 409 | 412 | 502)[]) {
  const descriptions: Record<number, string> = {
    400: 'VALIDATION_FAILED or INVALID_REQUEST',
    401: 'ADMIN_AUTH_REQUIRED or INVALID_ADMIN_TOKEN',
    404: 'NOT_FOUND',
    409: 'ALREADY_EXISTS, CONFLICT, HAS_BINDINGS, IDEMPOTENCY_CONFLICT or IDEMPOTENCY_IN_PROGRESS',
    412: 'VERSION_MISMATCH (If-Match)',
    502: 'UPSTREAM_ERROR',
  };
  return Object.fromEntries(
    [401, 400, ...statuses].map((status) => [
      status,
      {
        description: descriptions[status] ?? 'error',
        content: { 'application/json': { schema: apiErrorEnvelopeSchema } },
      },
    ]),
  );
}

export const idParamsSchema = z.object({ id: z.string().min(1).max(128) });

export const postHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .openapi({ description: 'Makes the POST safe to retry (stored 24 h).' }),
});

export const patchHeadersSchema = z.object({
  'if-match': z
    .string()
    .optional()
    .openapi({ description: 'The version last read; 412 VERSION_MISMATCH when it moved on.' }),
});
