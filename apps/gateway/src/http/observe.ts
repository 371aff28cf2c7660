import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { AppEnv } from './env.ts';
import { newRequestId, requestIdFrom } from './request-id.ts';

/** The HTTP metrics of one method and route pattern, their labelled children made once. */
export class RouteMeter {
  private readonly requestsByStatus = new Map<number, { inc: () => void }>();
  private readonly duration: { observe: (seconds: number) => void };

  constructor(
    private readonly metrics: GatewayMetrics,
    readonly method: string,
    readonly route: string,
  ) {
    this.duration = metrics.httpDuration.labels(method, route);
  }

  record(status: number, seconds: number): void {
    let requests = this.requestsByStatus.get(status);
    if (requests === undefined) {
      requests = this.metrics.httpRequests.labels(this.method, this.route, String(status));
      this.requestsByStatus.set(status, requests);
    }
    requests.inc();
    this.duration.observe(seconds);
  }
}

/**
 * What every request leaves behind: the HTTP metrics (route label = the matched pattern, never the
 * raw path, to keep cardinality bounded) and, at info level only, one access-log line.
 */
export class HttpObserver {
  private readonly meters = new Map<string, RouteMeter>();

  constructor(
    readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** The meter of a route pattern; patterns and methods are few, so the cache stays small. */
  meter(method: string, route: string): RouteMeter {
    const key = `${method} ${route}`;
    let meter = this.meters.get(key);
    if (meter === undefined) {
      meter = new RouteMeter(this.metrics, method, route);
      this.meters.set(key, meter);
    }
    return meter;
  }

  /** Whether access-log lines are written at all, so nothing is built for them otherwise. */
  logsRequests(): boolean {
    return this.logger.isLevelEnabled('info');
  }
}

/** Milliseconds with one decimal, as the access log has them. */
export function accessLogMs(seconds: number): number {
  return Math.round(seconds * 1e4) / 10;
}

/**
 * Request id in and out (a caller's id is kept on admin and ops routes, and logged beside ours on
 * tenant routes), a per-request logger carrying it, the access-log line and the HTTP metrics.
 * The relayed tenant routes are served before Hono by relay-fast-path.ts, which keeps the same.
 */
export function observe(observer: HttpObserver): MiddlewareHandler<AppEnv> {
  const { logger } = observer;
  return async function observeRequest(c, next) {
    const started = performance.now();
    const callerId = c.req.header('x-request-id');
    // Tenant requests always get a gateway-made id: it keys the usage event, charged once per id, so a
    // client reusing an id must not get two upstream calls for the price of one (ADR 0006).
    const tenant = c.req.path.startsWith('/v1/');
    const requestId = tenant ? newRequestId() : requestIdFrom(callerId);
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
    const status = c.get('sentStatus') ?? c.res.status;
    const route = status === 404 && c.req.routePath === '/*' ? 'unmatched' : c.req.routePath;
    const seconds = (performance.now() - started) / 1000;
    observer.meter(c.req.method, route).record(status, seconds);
    if (observer.logsRequests()) {
      c.get('logger').info(
        { method: c.req.method, path: c.req.path, route, status, ms: accessLogMs(seconds) },
        'request',
      );
    }
  };
}
