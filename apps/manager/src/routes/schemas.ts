import { z } from '@hono/zod-openapi';

/** Shared pieces of the /api OpenAPI document. */

const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'HOST_BUSY' }),
      message: z.string(),
      request_id: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

/** Error responses every /api route can give, documented once. */
export function errorResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'Invalid request (VALIDATION_FAILED, INVALID_REQUEST)',
    401: 'Not authenticated (AUTH_REQUIRED, INVALID_TOKEN, INVALID_CREDENTIALS)',
    403: 'Cross-origin write refused (CSRF_REJECTED)',
    404: 'Not found (NOT_FOUND)',
    409: 'Conflict (CONFLICT, HOST_BUSY, HOST_HAS_RESOURCES, PLAN_STALE, PLAN_EXPIRED, NO_RECORDED_RESOURCES)',
    413: 'Body too large (REQUEST_TOO_LARGE)',
    422: 'Refused (HOST_PROBE_FAILED, SMOKE_KEY_REQUIRED, PACK_INVALID)',
    429: 'Throttled (LOGIN_THROTTLED)',
    502: 'The host failed (HOST_UNREACHABLE, HOST_ERROR)',
  };
  return Object.fromEntries(
    [401, 403, ...statuses].map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Error',
        content: { 'application/json': { schema: errorSchema } },
      },
    ]),
  );
}

export const paginationQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(50)
    .openapi({ param: { name: 'limit', in: 'query' } }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'next_cursor of the previous page' }),
});

export const labelsSchema = z
  .record(z.string().min(1).max(128), z.string().max(512))
  .refine((labels) => Object.keys(labels).length <= 64, 'at most 64 labels');
