import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { newId } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { ManagerMetrics } from '../metrics.ts';
import type { AppEnv } from './env.ts';

/** A caller's `x-request-id` is kept only when it is a sane token (no spaces, no control characters, short). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths scraped or polled every few seconds: their access lines go to debug so they do not drown the log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * First middleware: request id (in and out), the per-request child logger, the client address, one access
 * line per request, and the per-route request counter and latency histogram.
 */
export function requestContext(options: {
  logger: Logger;
  metrics: ManagerMetrics;
}): MiddlewareHandler<AppEnv> {
  const { logger, metrics } = options;
  return async function requestContextMiddleware(c, next) {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && SANE_REQUEST_ID.test(given) ? given : newId('req');
    const log = logger.child({ request_id: requestId });
    c.set('requestId', requestId);
    c.set('logger', log);
    c.set('clientIp', c.env?.incoming?.socket?.remoteAddress ?? 'unknown');
    c.set('principal', undefined);
    c.set('audit', undefined);
    await next();
    c.res.headers.set('x-request-id', requestId);
    const route = routeLabel(c);
    const seconds = (performance.now() - started) / 1000;
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    const line = {
      method: c.req.method,
      path: c.req.path,
      route,
      status: c.res.status,
      duration_ms: Math.round(seconds * 10_000) / 10,
      client_ip: c.get('clientIp'),
    };
    if (QUIET_PATHS.has(c.req.path)) log.debug(line, 'request');
    else log.info(line, 'request');
  };
}

/** The route pattern that answered (`/api/hosts/:host_id`), or `unmatched` so ids never become label values. */
function routeLabel(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const routes = matchedRoutes(c);
  const last = routes[routes.length - 1];
  if (last === undefined || last.path.endsWith('*')) return 'unmatched';
  return last.path;
}
