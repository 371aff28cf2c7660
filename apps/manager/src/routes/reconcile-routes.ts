import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.ts';
import type { ReconcileService } from '../reconcile/reconcile-service.ts';
import { applyItemSchema, body, hostId, json, pageOf, providerId, runId } from './lifecycle-schemas.ts';
import { errorResponses, paginationQuery } from './schemas.ts';

const runSchema = z
  .object({
    run_id: z.string(),
    host_id: z.string(),
    provider_id: z.string().nullable(),
    mode: z.enum(['report', 'repair']),
    status: z.enum(['succeeded', 'failed']),
    drift: z.array(
      z.object({
        kind: z.enum(['missing', 'modified', 'orphaned', 'conflict']),
        type: z.string(),
        natural_key: z.string(),
        remote_id: z.string().optional(),
        resource_id: z.string().optional(),
        provider_id: z.string().nullable().optional(),
        fields: z
          .array(z.object({ field: z.string(), expected: z.unknown(), actual: z.unknown() }))
          .optional(),
        detail: z.string().optional(),
      }),
    ),
    repaired: z.array(applyItemSchema.extend({ kind: z.string() })),
    repair_batch_id: z.string().nullable(),
    actor: z.string(),
    request_id: z.string().nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi('ReconcileRun');

const reconcileRoute = createRoute({
  method: 'post',
  path: '/api/reconcile',
  tags: ['reconcile'],
  summary:
    'Compare the record with the live host (missing, modified, orphaned, conflict); repair recreates missing and restores modified',
  request: {
    body: body(
      z.object({ host_id: hostId, provider_id: providerId.optional(), mode: z.enum(['report', 'repair']) }),
    ),
  },
  responses: { 200: json(runSchema, 'The stored run'), ...errorResponses(400, 404, 409, 502) },
});

const runRoute = createRoute({
  method: 'get',
  path: '/api/reconcile-runs/{run_id}',
  tags: ['reconcile'],
  summary: 'A stored reconcile run',
  request: { params: z.object({ run_id: runId.openapi({ param: { name: 'run_id', in: 'path' } }) }) },
  responses: { 200: json(runSchema, 'The run'), ...errorResponses(400, 404) },
});

const runsRoute = createRoute({
  method: 'get',
  path: '/api/reconcile-runs',
  tags: ['reconcile'],
  summary: 'Stored reconcile runs, newest first (scheduled ones have actor `scheduler`)',
  request: {
    query: paginationQuery.extend({
      host_id: hostId.optional().openapi({ param: { name: 'host_id', in: 'query' } }),
    }),
  },
  responses: { 200: json(pageOf(runSchema), 'A page of runs'), ...errorResponses(400) },
});

export function registerReconcileRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { reconcile: ReconcileService },
): void {
  const { reconcile } = deps;

  app.openapi(reconcileRoute, async (c) => {
    const input = c.req.valid('json');
    c.set('audit', {
      action: `reconcile.${input.mode}`,
      targetType: 'host',
      targetId: input.host_id,
      details: { provider_id: input.provider_id ?? null },
    });
    const run = await reconcile.run({
      hostId: input.host_id,
      providerId: input.provider_id,
      mode: input.mode,
      actor: c.get('principal')?.actor ?? 'anonymous',
      requestId: c.get('requestId'),
    });
    c.set('audit', {
      action: `reconcile.${input.mode}`,
      targetType: 'reconcile_run',
      targetId: run.run_id,
      details: {
        host_id: input.host_id,
        provider_id: input.provider_id ?? null,
        drift: run.drift.length,
        repaired: run.repaired.length,
        repair_batch_id: run.repair_batch_id,
      },
    });
    return c.json(run, 200);
  });

  app.openapi(runRoute, (c) => c.json(reconcile.get(c.req.valid('param').run_id), 200));

  app.openapi(runsRoute, (c) => {
    const q = c.req.valid('query');
    return c.json(reconcile.list(q.host_id, q.limit, q.cursor), 200);
  });
}
