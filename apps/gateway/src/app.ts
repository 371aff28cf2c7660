import type { RequestListener } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import { validationDetails } from '@relay/schemas';
import { bodyLimit } from 'hono/body-limit';
import { type AdminDeps, registerAdminRoutes } from './admin/index.ts';
import type { GatewayConfig } from './config.ts';
import { AdminError, PublicError } from './errors.ts';
import type { Drain } from './http/drain.ts';
import type { AppEnv } from './http/env.ts';
import { errorResponse, failureAnswer, responseOf, surfaceOf } from './http/error-response.ts';
import { HttpObserver, observe } from './http/observe.ts';
import { type ReadinessCheck, registerOpsRoutes } from './http/ops-routes.ts';
import type { Logger } from './logger.ts';
import type { GatewayMetrics } from './metrics.ts';
import { relayFastPath } from './public/relay-fast-path.ts';
import { type PublicRouteDeps, registerPublicRoutes } from './public/routes.ts';

/** Everything the app needs, built once by serve.ts (or by a test). */
export type AppDeps = {
  config: GatewayConfig;
  logger: Logger;
  metrics: GatewayMetrics;
  readinessChecks: readonly ReadinessCheck[];
  version: string;
  /** The admin API (/admin/v1); absent in tests that exercise only the shell. */
  admin?: AdminDeps;
  /** Tenant traffic (/v1); absent in shell tests, where every key is unknown. */
  tenants?: PublicRouteDeps;
  /** Graceful drain, begun by serve.ts on SIGTERM; absent in tests that never drain. */
  drain?: Drain;
};

export type GatewayApp = OpenAPIHono<AppEnv>;

const ADMIN_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Which APIs an app serves: `all` on one port, or, with `GATEWAY_ADMIN_LISTEN`, `tenant` (/v1) on the
 * public port and `admin` (/admin/v1) on the admin one, so neither API is reachable on the other's
 * port. Health, readiness and metrics are served by both.
 */
export type AppSurface = 'all' | 'tenant' | 'admin';

export function createApp(deps: AppDeps, surface: AppSurface = 'all'): GatewayApp {
  const app = new OpenAPIHono<AppEnv>({
    // Validation failures of zod-openapi routes go through the same envelope as every other error.
    defaultHook: (result, c) => {
      if (result.success) return;
      const details = result.error.issues.map((issue) => ({
        path: issue.path.join('.'),
        message: issue.message,
      }));
      const message = `invalid request: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`;
      if (surfaceOf(c.req.path) === 'admin')
        throw new AdminError('VALIDATION_FAILED', message, validationDetails(details));
      throw new PublicError('INVALID_REQUEST', message);
    },
  });

  app.use('*', observe(new HttpObserver(deps.logger, deps.metrics)));
  if (deps.drain) app.use('*', deps.drain.middleware());
  // /v1 bodies are limited by the relay itself while it reads them from the socket (relay/read-body.ts):
  // Hono's bodyLimit would open the request's web stream and start consuming the socket first.
  const servesAdmin = surface !== 'tenant';
  if (servesAdmin) app.use('/admin/*', tooLargeAbove(ADMIN_BODY_LIMIT_BYTES));

  registerOpsRoutes(app, deps);
  if (servesAdmin && deps.admin) registerAdminRoutes(app, deps.admin);
  if (surface !== 'admin') registerPublicRoutes(app, deps.tenants);

  app.notFound((c) =>
    errorResponse(
      new PublicError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`),
      surfaceOf(c.req.path),
      c.var.requestId,
    ),
  );

  app.onError((error, c) =>
    responseOf(
      failureAnswer(error, surfaceOf(c.req.path), c.var.requestId, {
        publicErrors: deps.metrics.publicErrors,
        unexpected: (cause) => c.var.logger.error({ err: cause }, 'unhandled error'),
      }),
    ),
  );

  return app;
}

/**
 * What serve.ts listens with: the app behind Node's request listener, the relayed tenant routes
 * served before it by the fast path (ADR 0021) on the ports that serve the tenant API.
 * `hostname` stands in for a missing Host header (an HTTP/1.0 request), as in @hono/node-server.
 */
export function createRequestListener(
  deps: AppDeps,
  options: { surface?: AppSurface; hostname?: string } = {},
): RequestListener {
  const { surface = 'all', hostname } = options;
  const viaApp = getRequestListener(createApp(deps, surface).fetch, { hostname });
  if (surface === 'admin') return viaApp;
  const observer = new HttpObserver(deps.logger, deps.metrics);
  return relayFastPath(
    { observer, metrics: deps.metrics, tenants: deps.tenants, drain: deps.drain, defaultHost: hostname },
    viaApp,
  );
}

function tooLargeAbove(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new PublicError('REQUEST_TOO_LARGE', `request body exceeds ${maxSize} bytes`);
    },
  });
}
