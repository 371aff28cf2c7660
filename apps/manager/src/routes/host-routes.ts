import type { OpenAPIHono } from '@hono/zod-openapi';
import { createRoute, z } from '@hono/zod-openapi';
import { fingerprint } from '../crypto/secret-box.ts';
import type { HostService } from '../hosts/host-service.ts';
import type { AppEnv } from '../http/env.ts';
import { errorResponses, labelsSchema, paginationQuery } from './schemas.ts';

const hostIdParam = z.object({
  host_id: z
    .string()
    .regex(/^hst_[0-9a-z]{26}$/, 'is not a host id')
    .openapi({ param: { name: 'host_id', in: 'path' }, example: 'hst_01jd0000000000000000000000' }),
});

const checkSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  status: z.number().optional(),
  detail: z.string(),
  duration_ms: z.number(),
});

const probeReportSchema = z
  .object({
    ok: z.boolean(),
    checked_at: z.string(),
    base_url: z.string(),
    reachable: z.boolean(),
    auth_ok: z.boolean(),
    version: z.string().nullable(),
    capabilities: z
      .object({
        version: z.string(),
        api_version: z.string(),
        platforms: z.array(z.string()),
        features: z.array(z.string()),
      })
      .nullable(),
    resources: z.record(z.string(), z.object({ count: z.number(), truncated: z.boolean() })).nullable(),
    checks: z.array(checkSchema),
  })
  .openapi('ProbeReport');

const smokeReportSchema = z
  .object({
    ok: z.boolean(),
    checked_at: z.string(),
    models: z.array(z.string()),
    steps: z.array(checkSchema),
  })
  .openapi('SmokeReport');

const hostSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    base_url: z.string(),
    labels: z.record(z.string(), z.string()),
    token_fingerprint: z
      .string()
      .openapi({ description: 'sha256: + 12 hex digits of the admin token digest' }),
    status: z.enum(['active', 'degraded', 'unreachable', 'unauthorized', 'unknown']),
    version: z.string().nullable(),
    capabilities: z.unknown(),
    last_probe_at: z.string().nullable(),
    last_probe_ok: z.boolean().nullable(),
    smoke_key_fingerprint: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Host');

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

const hostName = z.string().trim().min(1).max(100);
const adminToken = z.string().min(1).max(4096);

const registerRoute = createRoute({
  method: 'post',
  path: '/api/hosts',
  tags: ['hosts'],
  summary:
    'Register a gateway host (probed first; refused with 422 HOST_PROBE_FAILED when unreachable or the token is wrong)',
  request: {
    body: body(
      z.object({
        name: hostName,
        base_url: z.string().min(1).max(2048),
        admin_token: adminToken,
        labels: labelsSchema.optional(),
      }),
    ),
  },
  responses: {
    201: json(hostSchema.extend({ probe: probeReportSchema }), 'Registered'),
    ...errorResponses(400, 409, 422),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/hosts',
  tags: ['hosts'],
  summary: 'Registered hosts, newest first',
  request: { query: paginationQuery },
  responses: {
    200: json(
      z.object({ items: z.array(hostSchema), next_cursor: z.string().nullable() }),
      'A page of hosts',
    ),
    ...errorResponses(400),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/hosts/{host_id}',
  tags: ['hosts'],
  summary: 'One host',
  request: { params: hostIdParam },
  responses: { 200: json(hostSchema, 'The host'), ...errorResponses(400, 404) },
});

const patchRoute = createRoute({
  method: 'patch',
  path: '/api/hosts/{host_id}',
  tags: ['hosts'],
  summary:
    'Rename, relabel, rotate the admin token or move the base URL (a new token or URL is probed first)',
  request: {
    params: hostIdParam,
    body: body(
      z
        .object({
          name: hostName.optional(),
          base_url: z.string().min(1).max(2048).optional(),
          admin_token: adminToken.optional(),
          labels: labelsSchema.optional(),
        })
        .refine((patch) => Object.values(patch).some((v) => v !== undefined), 'nothing to change'),
    ),
  },
  responses: { 200: json(hostSchema, 'The updated host'), ...errorResponses(400, 404, 409, 422) },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/api/hosts/{host_id}',
  tags: ['hosts'],
  summary: 'Forget a host (409 HOST_HAS_RESOURCES while managed resources are recorded, unless ?force=true)',
  request: {
    params: hostIdParam,
    query: z.object({
      force: z
        .enum(['true', 'false'])
        .optional()
        .openapi({ param: { name: 'force', in: 'query' } }),
    }),
  },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 404, 409) },
});

const probeRoute = createRoute({
  method: 'post',
  path: '/api/hosts/{host_id}/probe',
  tags: ['hosts'],
  summary: 'Probe the host now (side-effect free on the host: GETs only)',
  request: { params: hostIdParam },
  responses: { 200: json(probeReportSchema, 'The probe report'), ...errorResponses(400, 404) },
});

const statusRoute = createRoute({
  method: 'get',
  path: '/api/hosts/{host_id}/status',
  tags: ['hosts'],
  summary: 'Last probe and smoke, managed resource counts, current lease',
  request: { params: hostIdParam },
  responses: {
    200: json(
      z.object({
        host_id: z.string(),
        status: hostSchema.shape.status,
        last_probe: z.unknown(),
        last_smoke: z.unknown(),
        managed_resources: z.object({
          total: z.number(),
          by_provider: z.record(z.string(), z.record(z.string(), z.number())),
        }),
        closure: z.object({
          ok: z.boolean(),
          checked_at: z.string(),
          providers: z.array(
            z.object({
              provider_id: z.string(),
              ok: z.boolean(),
              groups_with_gaps: z.number().int(),
              error: z.string().optional(),
            }),
          ),
        }),
        lease: z.object({ operation: z.string(), expires_at: z.string() }).nullable(),
      }),
      'Host status',
    ),
    ...errorResponses(400, 404),
  },
});

const smokeRoute = createRoute({
  method: 'post',
  path: '/api/hosts/{host_id}/smoke',
  tags: ['hosts'],
  summary: 'The production smoke through the host public API, with a pass/fail report per step',
  request: {
    params: hostIdParam,
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z.object({
            api_key: z.string().min(1).max(4096).optional(),
            models: z.array(z.string().min(1).max(200)).max(20).optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: json(smokeReportSchema, 'The smoke report (ok=false when a step failed)'),
    ...errorResponses(400, 404, 409, 422),
  },
});

export function registerHostRoutes(app: OpenAPIHono<AppEnv>, deps: { hosts: HostService }): void {
  const { hosts } = deps;

  app.openapi(registerRoute, async (c) => {
    const input = c.req.valid('json');
    c.set('audit', {
      action: 'host.register',
      targetType: 'host',
      details: {
        name: input.name,
        base_url: input.base_url,
        token_fingerprint: fingerprint(input.admin_token),
      },
    });
    const { host, probe } = await hosts.register(input, c.get('requestId'));
    c.set('audit', {
      action: 'host.register',
      targetType: 'host',
      targetId: host.id,
      details: { name: host.name, base_url: host.base_url, token_fingerprint: host.token_fingerprint },
    });
    c.get('logger').info({ host_id: host.id, base_url: host.base_url }, 'host registered');
    return c.json({ ...host, probe }, 201);
  });

  app.openapi(listRoute, (c) => {
    const q = c.req.valid('query');
    return c.json(hosts.list(q.limit, q.cursor), 200);
  });

  app.openapi(getRoute, (c) => c.json(hosts.get(c.req.valid('param').host_id), 200));

  app.openapi(patchRoute, async (c) => {
    const { host_id } = c.req.valid('param');
    const input = c.req.valid('json');
    c.set('audit', {
      action: 'host.update',
      targetType: 'host',
      targetId: host_id,
      details: {
        fields: Object.keys(input).filter((k) => input[k as keyof typeof input] !== undefined),
        ...(input.admin_token === undefined ? {} : { token_fingerprint: fingerprint(input.admin_token) }),
      },
    });
    return c.json(await hosts.update(host_id, input, c.get('requestId')), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { host_id } = c.req.valid('param');
    const force = c.req.valid('query').force === 'true';
    c.set('audit', { action: 'host.delete', targetType: 'host', targetId: host_id, details: { force } });
    const result = await hosts.delete(host_id, force);
    c.set('audit', {
      action: 'host.delete',
      targetType: 'host',
      targetId: host_id,
      details: { force, ...result },
    });
    return c.body(null, 204);
  });

  app.openapi(probeRoute, async (c) => {
    const { host_id } = c.req.valid('param');
    c.set('audit', { action: 'host.probe', targetType: 'host', targetId: host_id });
    const report = await hosts.probe(host_id, 'manual', c.get('requestId'));
    c.set('audit', {
      action: 'host.probe',
      targetType: 'host',
      targetId: host_id,
      details: { ok: report.ok },
    });
    return c.json(report, 200);
  });

  app.openapi(statusRoute, async (c) => c.json(await hosts.status(c.req.valid('param').host_id), 200));

  app.openapi(smokeRoute, async (c) => {
    const { host_id } = c.req.valid('param');
    const input = c.req.valid('json') ?? {};
    c.set('audit', { action: 'host.smoke', targetType: 'host', targetId: host_id });
    const report = await hosts.smoke(host_id, input, c.get('requestId'));
    c.set('audit', {
      action: 'host.smoke',
      targetType: 'host',
      targetId: host_id,
      details: {
        ok: report.ok,
        models: report.models,
        ...(input.api_key ? { api_key_fingerprint: fingerprint(input.api_key) } : {}),
      },
    });
    return c.json(report, 200);
  });
}
