import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { fingerprint } from '../crypto/secret-box.ts';
import { countItems } from '../engine/batches.ts';
import type { AppEnv } from '../http/env.ts';
import type { ImportQueries } from '../imports/import-queries.ts';
import type { ImportService } from '../imports/import-service.ts';
import type { RollbackService } from '../rollback/rollback-service.ts';
import {
  accessReportSchema,
  applyItemSchema,
  batchId,
  body,
  hostId,
  json,
  pageOf,
  planId,
  planSchema,
  previewBody,
  providerId,
  providerIdParam,
} from './lifecycle-schemas.ts';
import { errorResponses, paginationQuery } from './schemas.ts';

const batchSchema = z
  .object({
    batch_id: z.string(),
    host_id: z.string(),
    provider_id: z.string().nullable(),
    pack_id: z.string().nullable(),
    kind: z.enum(['import', 'repair', 'smoke', 'batch']),
    status: z.enum(['running', 'succeeded', 'partial', 'failed', 'rolled_back']),
    plan_id: z.string().nullable(),
    actor: z.string(),
    request_id: z.string().nullable(),
    summary: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi('ImportBatch');

const resourceSchema = z
  .object({
    id: z.string(),
    host_id: z.string(),
    batch_id: z.string(),
    provider_id: z.string().nullable(),
    type: z.string(),
    natural_key: z.string(),
    remote_id: z.string().nullable(),
    status: z.string(),
    secret_fingerprint: z.string().nullable(),
    owned_fields: z.record(z.string(), z.unknown()),
    refs: z.record(z.string(), z.string()),
    created_at: z.string().nullable(),
    updated_at: z.string().nullable(),
  })
  .openapi('ManagedResource');

const previewRoute = createRoute({
  method: 'post',
  path: '/api/providers/{provider_id}/preview-import',
  tags: ['imports'],
  summary: 'Plan an import: reads the host, stores the plan, never writes to the host',
  request: { params: providerIdParam, body: body(previewBody) },
  responses: { 200: json(planSchema, 'The plan'), ...errorResponses(400, 404, 422, 502) },
});

const importRoute = createRoute({
  method: 'post',
  path: '/api/providers/{provider_id}/import',
  tags: ['imports'],
  summary:
    'Apply a stored plan ({host_id, plan_id}; 409 PLAN_STALE / PLAN_EXPIRED) or plan and apply a preview body, under the host lease',
  request: {
    params: providerIdParam,
    body: body(z.union([z.object({ host_id: hostId, plan_id: planId }).strict(), previewBody])),
  },
  responses: {
    201: json(
      z.object({
        batch_id: z.string(),
        host_id: z.string(),
        provider_id: z.string(),
        kind: z.literal('import'),
        status: z.enum(['succeeded', 'partial', 'failed', 'running', 'rolled_back']),
        plan_id: z.string(),
        resources: z.array(applyItemSchema),
        closure: z.union([accessReportSchema, z.object({ error: z.string() })]),
        warnings: z.array(z.string()),
        api_key: z
          .object({ id: z.string(), natural_key: z.string(), key_prefix: z.string(), secret: z.string() })
          .nullable()
          .openapi({
            description: 'A tenant key created now: its plaintext is shown here once and never stored',
          }),
        created_at: z.string(),
        finished_at: z.string(),
      }),
      'The import batch',
    ),
    ...errorResponses(400, 404, 409, 422, 502),
  },
});

const rollbackRoute = createRoute({
  method: 'post',
  path: '/api/providers/{provider_id}/rollback',
  tags: ['imports'],
  summary:
    'Delete the recorded resources of one batch, or of every batch of the provider on the host (409 NO_RECORDED_RESOURCES without a record)',
  request: {
    params: providerIdParam,
    body: body(z.object({ host_id: hostId, batch_id: batchId.optional() })),
  },
  responses: {
    200: json(
      z.object({
        host_id: z.string(),
        provider_id: z.string(),
        status: z.enum(['succeeded', 'partial']),
        batches: z.array(z.string()),
        resources: z.array(
          z.object({
            resource_id: z.string(),
            batch_id: z.string(),
            type: z.string(),
            natural_key: z.string(),
            remote_id: z.string().nullable(),
            result: z.enum(['deleted', 'already_gone', 'released', 'failed']),
            error: z.string().optional(),
          }),
        ),
      }),
      'What was removed',
    ),
    ...errorResponses(400, 404, 409, 502),
  },
});

const batchesRoute = createRoute({
  method: 'get',
  path: '/api/import-batches',
  tags: ['imports'],
  summary: 'Import batches, newest first',
  request: {
    query: paginationQuery.extend({
      host_id: hostId.optional().openapi({ param: { name: 'host_id', in: 'query' } }),
      provider_id: providerId.optional().openapi({ param: { name: 'provider_id', in: 'query' } }),
      kind: z
        .enum(['import', 'repair', 'smoke', 'batch'])
        .optional()
        .openapi({ param: { name: 'kind', in: 'query' } }),
    }),
  },
  responses: { 200: json(pageOf(batchSchema), 'A page of batches'), ...errorResponses(400) },
});

const batchRoute = createRoute({
  method: 'get',
  path: '/api/import-batches/{batch_id}',
  tags: ['imports'],
  summary: 'A batch with its recorded resources and its write-ahead journal',
  request: { params: z.object({ batch_id: batchId.openapi({ param: { name: 'batch_id', in: 'path' } }) }) },
  responses: {
    200: json(
      batchSchema.extend({
        resources: z.array(resourceSchema),
        journal: z.array(z.record(z.string(), z.unknown())),
      }),
      'The batch',
    ),
    ...errorResponses(400, 404),
  },
});

const resourcesRoute = createRoute({
  method: 'get',
  path: '/api/resources',
  tags: ['imports'],
  summary: 'Managed resources, newest first (host_id or batch_id required)',
  request: {
    query: paginationQuery
      .extend({
        host_id: hostId.optional().openapi({ param: { name: 'host_id', in: 'query' } }),
        provider_id: providerId.optional().openapi({ param: { name: 'provider_id', in: 'query' } }),
        batch_id: batchId.optional().openapi({ param: { name: 'batch_id', in: 'query' } }),
        status: z
          .enum(['pending', 'created', 'adopted', 'unknown', 'deleted', 'failed', 'superseded', 'released'])
          .optional()
          .openapi({ param: { name: 'status', in: 'query' } }),
      })
      .refine((q) => q.host_id !== undefined || q.batch_id !== undefined, 'host_id or batch_id is required'),
  },
  responses: { 200: json(pageOf(resourceSchema), 'A page of resources'), ...errorResponses(400) },
});

const statusRoute = createRoute({
  method: 'get',
  path: '/api/status',
  tags: ['imports'],
  summary:
    'One summary of a host: providers, recorded resources, recent batches, live closure, last reconcile',
  request: { query: z.object({ host_id: hostId.openapi({ param: { name: 'host_id', in: 'query' } }) }) },
  responses: { 200: json(z.record(z.string(), z.unknown()), 'The status'), ...errorResponses(400, 404) },
});

export function registerImportRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { imports: ImportService; importQueries: ImportQueries; rollbacks: RollbackService },
): void {
  const { imports, importQueries, rollbacks } = deps;
  const who = (c: {
    get(key: 'principal'): AppEnv['Variables']['principal'];
    get(key: 'requestId'): string;
  }) => ({
    actor: c.get('principal')?.actor ?? 'anonymous',
    requestId: c.get('requestId'),
  });

  app.openapi(previewRoute, async (c) => {
    const { provider_id } = c.req.valid('param');
    const input = c.req.valid('json');
    const plan = await imports.preview(provider_id, input);
    c.set('audit', {
      action: 'provider.preview_import',
      targetType: 'provider',
      targetId: provider_id,
      details: {
        host_id: input.host_id,
        plan_id: plan.plan_id,
        credentials: plan.credentials.map((cr) => cr.fingerprint),
        actions: countActions(plan.ops),
      },
    });
    return c.json(plan, 200);
  });

  app.openapi(importRoute, async (c) => {
    const { provider_id } = c.req.valid('param');
    const input = c.req.valid('json');
    c.set('audit', {
      action: 'provider.import',
      targetType: 'provider',
      targetId: provider_id,
      details: {
        host_id: input.host_id,
        ...('plan_id' in input
          ? { plan_id: input.plan_id }
          : { credentials: input.credentials.map((cr) => fingerprint(cr.api_key)) }),
      },
    });
    const batch = await imports.import(provider_id, input, who(c));
    c.set('audit', {
      action: 'provider.import',
      targetType: 'import_batch',
      targetId: batch.batch_id,
      details: {
        host_id: batch.host_id,
        provider_id,
        plan_id: batch.plan_id,
        status: batch.status,
        counts: countItems(batch.resources),
      },
    });
    return c.json(batch, 201);
  });

  app.openapi(rollbackRoute, async (c) => {
    const { provider_id } = c.req.valid('param');
    const input = c.req.valid('json');
    c.set('audit', {
      action: 'provider.rollback',
      targetType: 'provider',
      targetId: provider_id,
      details: { host_id: input.host_id, batch_id: input.batch_id ?? null },
    });
    const result = await rollbacks.rollback(provider_id, input);
    c.set('audit', {
      action: 'provider.rollback',
      targetType: 'provider',
      targetId: provider_id,
      details: {
        host_id: input.host_id,
        batch_id: input.batch_id ?? null,
        batches: result.batches,
        status: result.status,
        results: countBy(result.resources.map((r) => r.result)),
      },
    });
    return c.json(result, 200);
  });

  app.openapi(batchesRoute, (c) => {
    const q = c.req.valid('query');
    return c.json(
      importQueries.batches(
        { hostId: q.host_id, providerId: q.provider_id, kind: q.kind },
        q.limit,
        q.cursor,
      ),
      200,
    );
  });

  app.openapi(batchRoute, (c) => c.json(importQueries.batch(c.req.valid('param').batch_id), 200));

  app.openapi(resourcesRoute, (c) => {
    const q = c.req.valid('query');
    return c.json(
      importQueries.resources(
        {
          hostId: q.host_id,
          providerId: q.provider_id,
          batchId: q.batch_id,
          statuses: q.status === undefined ? undefined : [q.status],
        },
        q.limit,
        q.cursor,
      ),
      200,
    );
  });

  app.openapi(statusRoute, async (c) =>
    c.json(await importQueries.status(c.req.valid('query').host_id), 200),
  );
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

function countActions(ops: { action: string }[]): Record<string, number> {
  return countBy(ops.map((op) => op.action));
}
