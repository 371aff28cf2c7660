import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import type { AccessService } from '../access/access-service.ts';
import type { AppEnv } from '../http/env.ts';
import { accessReportSchema, applyItemSchema, body, hostId, json, providerId } from './lifecycle-schemas.ts';
import { errorResponses } from './schemas.ts';

const accessRoute = createRoute({
  method: 'get',
  path: '/api/access',
  tags: ['access'],
  summary:
    "Live access closure of the provider's groups on the host (packages/bindings), with every missing link",
  request: {
    query: z.object({
      host_id: hostId.openapi({ param: { name: 'host_id', in: 'query' } }),
      provider_id: providerId.openapi({ param: { name: 'provider_id', in: 'query' } }),
    }),
  },
  responses: { 200: json(accessReportSchema, 'The closure report'), ...errorResponses(400, 404, 502) },
});

const repairRoute = createRoute({
  method: 'post',
  path: '/api/access/repair',
  tags: ['access'],
  summary: 'Create the recorded bindings that are gone, as managed resources of a new repair batch',
  request: { body: body(z.object({ host_id: hostId, provider_id: providerId })) },
  responses: {
    200: json(
      z.object({
        batch_id: z.string().nullable(),
        status: z.enum(['succeeded', 'partial', 'failed']),
        repaired: z.array(applyItemSchema),
        access: accessReportSchema,
      }),
      'What was repaired, and the closure after',
    ),
    ...errorResponses(400, 404, 409, 502),
  },
});

export function registerAccessRoutes(app: OpenAPIHono<AppEnv>, deps: { access: AccessService }): void {
  const { access } = deps;

  app.openapi(accessRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json(await access.report(q.host_id, q.provider_id), 200);
  });

  app.openapi(repairRoute, async (c) => {
    const input = c.req.valid('json');
    c.set('audit', {
      action: 'access.repair',
      targetType: 'host',
      targetId: input.host_id,
      details: { provider_id: input.provider_id },
    });
    const result = await access.repair(input.host_id, input.provider_id, {
      actor: c.get('principal')?.actor ?? 'anonymous',
      requestId: c.get('requestId'),
    });
    c.set('audit', {
      action: 'access.repair',
      targetType: 'host',
      targetId: input.host_id,
      details: {
        provider_id: input.provider_id,
        batch_id: result.batch_id,
        status: result.status,
        repaired: result.repaired.map((r) => ({ natural_key: r.natural_key, status: r.status })),
        ok_after: result.access.ok,
      },
    });
    return c.json(result, 200);
  });
}
