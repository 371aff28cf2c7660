import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { auditEventView } from '../audit/audit-log.ts';
import type { AppEnv } from '../http/env.ts';
import { page } from '../store/page.ts';
import type { Store } from '../store/store.ts';
import { errorResponses, paginationQuery } from './schemas.ts';

const auditEventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    outcome: z.enum(['success', 'failure', 'denied']),
    status: z.number().nullable(),
    request_id: z.string().nullable(),
    client_ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEvent');

const listAuditRoute = createRoute({
  method: 'get',
  path: '/api/audit-events',
  tags: ['audit'],
  summary: 'Audit events, newest first',
  request: {
    query: paginationQuery.extend({
      action: z.string().max(200).optional(),
      actor: z.string().max(200).optional(),
      target_id: z.string().max(200).optional(),
      outcome: z.enum(['success', 'failure', 'denied']).optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of audit events',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(auditEventSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
    ...errorResponses(400),
  },
});

export function registerAuditRoutes(app: OpenAPIHono<AppEnv>, deps: { store: Store }): void {
  app.openapi(listAuditRoute, (c) => {
    const q = c.req.valid('query');
    const rows = deps.store.audit.list(
      { action: q.action, actor: q.actor, targetId: q.target_id, outcome: q.outcome },
      q.limit + 1,
      q.cursor,
    );
    return c.json(page(rows, q.limit, auditEventView), 200);
  });
}
