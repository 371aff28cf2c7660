import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { AppEnv } from './env.ts';
import { requestIdFrom } from './request-id.ts';

/**
 * Request id in and out (a caller's id is kept on admin and ops routes, and logged beside ours on tenant routes), a per-request logger carrying it, one access-log line and the HTTP metrics.
 * The route label is the matched pattern (never the raw path) to keep metric cardinality bounded.
 */
export function observe(options: { logger: Logger; metrics: GatewayMetrics }): MiddlewareHandler<AppEnv> {
  const { logger, metrics } = options;
  return async function observeRequest(c, next) {
    const started = performance.now();
    const callerId = c.req.header('x-request-id');
    // Tenant requests always get a gateway-made id: it keys the usage event, charged once per id, so a
    // client reusing an id must not get two upstream calls for the price of one (ADR 0006).
    const tenant = c.req.path.startsWith('/v1/');
    const requestId = tenant ? requestIdFrom(undefined) : requestIdFrom(callerId);
    c.set('requestId', requestId);
    // Set before the handler runs: touching a finished response's headers makes @hono/node-server drop
    // its fast path and copy the body through a web stream (measured: +0.12 ms per request).
    c.header('x-request-id', requestId);
    c.set(
      'logger',
      logger.child(
        tenant && callerId !== undefined
          ? { request_id: requestId, caller_request_id: callerId.slice(0, 128) }
          : { request_id: requestId },
      ),
    );
    await next();
    // The relay writes its own response (x-request-id included) straight to the socket.
    const status = c.var.sentStatus ?? c.res.status;
    const route = status === 404 && c.req.routePath === '/*' ? 'unmatched' : c.req.routePath;
    const seconds = (performance.now() - started) / 1000;
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    c.var.logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        route,
        status: c.res.status,
        ms: Math.round(seconds * 1e4) / 10,
      },
      'request',
    );
  };
}
