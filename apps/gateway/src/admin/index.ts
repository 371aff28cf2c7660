import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.ts';
import { registerActionRoutes } from './action-routes.ts';
import { createAdminApp } from './admin-app.ts';
import { requireAdminToken } from './admin-auth.ts';
import type { AdminDeps } from './admin-deps.ts';
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS, idempotency } from './idempotency.ts';
import { registerReportRoutes } from './report-routes.ts';
import { registerResourceRoutes } from './resource-routes.ts';

export type { AdminChange, AdminDeps } from './admin-deps.ts';

/**
 * Mounts the admin API (docs/api.md) under /admin/v1 on `app`: admin-token auth on every route,
 * Idempotency-Key on every POST, CRUD of every collection, actions, reports and the OpenAPI document
 * at /admin/v1/openapi.json (generated from the same zod route definitions). Errors are thrown as
 * AdminError and rendered by the app's error handler in the admin envelope.
 */
export function registerAdminRoutes(app: OpenAPIHono<AppEnv>, deps: AdminDeps): void {
  const admin = createAdminApp();
  admin.use('*', requireAdminToken(deps.adminToken, deps.authThrottle));
  admin.use(
    '*',
    idempotency({
      records: deps.store.idempotency,
      cipher: deps.cipher,
      ttlSeconds: deps.idempotencyTtlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS,
    }),
  );
  if (deps.onChange) {
    const onChange = deps.onChange;
    admin.use('*', async function notifyChange(c, next) {
      await next();
      if (c.req.method !== 'GET' && c.res.status < 400) onChange({ method: c.req.method, path: c.req.path });
    });
  }

  registerReportRoutes(admin, deps);
  registerResourceRoutes(admin, deps);
  registerActionRoutes(admin, deps);

  admin.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Relay gateway admin API',
      version: deps.version,
      description:
        'Bearer GATEWAY_ADMIN_TOKEN on every route. Errors: {"error":{"code","message","request_id","details?"}}.',
    },
    security: [{ adminToken: [] }],
  });
  admin.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
  });

  app.route('/', admin);
}
