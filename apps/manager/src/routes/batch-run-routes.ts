import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import type { BatchRunService } from '../batch-runs/batch-run-service.ts';
import type { AppEnv } from '../http/env.ts';
import { body, decimal, hostId, json, pageOf, providerId } from './lifecycle-schemas.ts';
import { errorResponses, paginationQuery } from './schemas.ts';

/** Most items one run takes (a run's body must also fit the 1 MiB body limit). */
export const MAX_RUN_ITEMS = 5000;

const runId = z.string().regex(/^run_[0-9a-z]{26}$/, 'is not a run id');
const runParam = z.object({ run_id: runId.openapi({ param: { name: 'run_id', in: 'path' } }) });
const runStatus = z.enum(['queued', 'running', 'succeeded', 'partial', 'failed', 'interrupted', 'cancelled']);
const itemStatus = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']);

const createRunBody = z
  .object({
    host_id: hostId,
    provider_id: providerId,
    items: z
      .array(
        z
          .object({
            api_key: z.string().min(1).max(8192),
            name: z.string().trim().min(1).max(200).optional(),
          })
          .strict(),
      )
      .min(1, 'at least one item')
      .max(MAX_RUN_ITEMS),
    options: z
      .object({
        verify: z.boolean().optional().openapi({
          description: 'Test each account through the gateway; a rejected credential fails its item',
        }),
        base_url: z
          .url({ protocol: /^https?$/ })
          .max(2048)
          .optional(),
        models: z.array(z.string().min(1).max(200)).max(1000).optional(),
        group: z
          .object({
            name: z.string().trim().min(1).max(100).optional(),
            rate_multiplier: decimal.optional(),
            rpm_limit: z.number().int().min(0).max(1_000_000_000).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('BatchRunRequest');

const countsSchema = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  running: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
});

const runSchema = z
  .object({
    run_id: z.string(),
    host_id: z.string(),
    provider_id: z.string(),
    status: runStatus,
    batch_id: z.string().nullable(),
    options: z.record(z.string(), z.unknown()),
    counts: countsSchema,
    progress: z.object({ done: z.number().int(), total: z.number().int(), percent: z.number().int() }),
    error: z.string().nullable(),
    actor: z.string(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi('BatchRun');

const itemSchema = z
  .object({
    index: z.number().int(),
    name: z.string().nullable(),
    credential_fingerprint: z.string(),
    status: itemStatus,
    remote_write: z.enum(['none', 'confirmed', 'unknown']),
    resource_ids: z.array(z.string()),
    account_id: z.string().nullable(),
    error: z.string().nullable(),
    updated_at: z.string(),
  })
  .openapi('BatchRunItem');

const createRunRoute = createRoute({
  method: 'post',
  path: '/api/batch-import/runs',
  tags: ['batch-import'],
  summary:
    'Start a batch-import run: one account (+ binding to the provider group) per item, processed in the background',
  request: { body: body(createRunBody) },
  responses: { 202: json(runSchema, 'The queued run'), ...errorResponses(400, 404, 422) },
});

const listRunsRoute = createRoute({
  method: 'get',
  path: '/api/batch-import/runs',
  tags: ['batch-import'],
  summary: 'Batch-import runs, newest first',
  request: {
    query: paginationQuery.extend({
      host_id: hostId.optional().openapi({ param: { name: 'host_id', in: 'query' } }),
    }),
  },
  responses: { 200: json(pageOf(runSchema), 'A page of runs'), ...errorResponses(400) },
});

const getRunRoute = createRoute({
  method: 'get',
  path: '/api/batch-import/runs/{run_id}',
  tags: ['batch-import'],
  summary: 'A run with its counts and progress',
  request: { params: runParam },
  responses: { 200: json(runSchema, 'The run'), ...errorResponses(400, 404) },
});

const itemsRoute = createRoute({
  method: 'get',
  path: '/api/batch-import/runs/{run_id}/items',
  tags: ['batch-import'],
  summary: 'Items of a run in index order (credentials shown as fingerprints only)',
  request: {
    params: runParam,
    query: z.object({
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(100)
        .openapi({ param: { name: 'limit', in: 'query' } }),
      cursor: z.coerce
        .number()
        .int()
        .min(0)
        .optional()
        .openapi({ param: { name: 'cursor', in: 'query' }, description: 'next_cursor of the previous page' }),
      status: itemStatus.optional().openapi({ param: { name: 'status', in: 'query' } }),
    }),
  },
  responses: {
    200: json(
      z.object({ items: z.array(itemSchema), next_cursor: z.string().nullable() }),
      'A page of items',
    ),
    ...errorResponses(400, 404),
  },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/api/batch-import/runs/{run_id}/cancel',
  tags: ['batch-import'],
  summary: 'Stop taking new items (items already running finish); pending items end skipped',
  request: { params: runParam },
  responses: { 200: json(runSchema, 'The cancelled run'), ...errorResponses(400, 404, 409) },
});

const resumeRoute = createRoute({
  method: 'post',
  path: '/api/batch-import/runs/{run_id}/resume',
  tags: ['batch-import'],
  summary: 'Resume an interrupted run: items whose write may have gone through are looked up by label first',
  request: { params: runParam },
  responses: { 202: json(runSchema, 'The queued run'), ...errorResponses(400, 404, 409) },
});

export function registerBatchRunRoutes(app: OpenAPIHono<AppEnv>, deps: { batchRuns: BatchRunService }): void {
  const { batchRuns } = deps;

  app.openapi(createRunRoute, (c) => {
    const input = c.req.valid('json');
    const details = {
      host_id: input.host_id,
      provider_id: input.provider_id,
      items: input.items.length,
      verify: input.options?.verify === true,
    };
    c.set('audit', {
      action: 'batch_run.create',
      targetType: 'provider',
      targetId: input.provider_id,
      details,
    });
    const run = batchRuns.create(input, {
      actor: c.get('principal')?.actor ?? 'anonymous',
      requestId: c.get('requestId'),
    });
    c.set('audit', { action: 'batch_run.create', targetType: 'batch_run', targetId: run.run_id, details });
    return c.json(run, 202);
  });

  app.openapi(listRunsRoute, (c) => {
    const q = c.req.valid('query');
    return c.json(batchRuns.list(q.host_id, q.limit, q.cursor), 200);
  });

  app.openapi(getRunRoute, (c) => c.json(batchRuns.get(c.req.valid('param').run_id), 200));

  app.openapi(itemsRoute, (c) => {
    const q = c.req.valid('query');
    return c.json(batchRuns.items(c.req.valid('param').run_id, q.limit, q.cursor, q.status), 200);
  });

  app.openapi(cancelRoute, async (c) => {
    const { run_id } = c.req.valid('param');
    c.set('audit', { action: 'batch_run.cancel', targetType: 'batch_run', targetId: run_id });
    return c.json(await batchRuns.cancel(run_id), 200);
  });

  app.openapi(resumeRoute, (c) => {
    const { run_id } = c.req.valid('param');
    c.set('audit', { action: 'batch_run.resume', targetType: 'batch_run', targetId: run_id });
    return c.json(batchRuns.resume(run_id), 202);
  });
}
