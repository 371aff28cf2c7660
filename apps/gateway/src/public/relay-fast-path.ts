import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { discardBodyAfter } from '../http/discard-body.ts';
import { type Drain, drainingError } from '../http/drain.ts';
import { failureAnswer, type Surface, surfaceOf } from '../http/error-response.ts';
import { peerAddress } from '../http/failure-throttle.ts';
import { accessLogMs, type HttpObserver, type RouteMeter } from '../http/observe.ts';
import { newRequestId } from '../http/request-id.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { ENDPOINTS, type Endpoint } from '../upstream/endpoints.ts';
import type { KeyHeaders } from './api-key.ts';
import { type PublicRouteDeps, relayTenantRequest, tenantSecret, unknownKeyError } from './tenant-relay.ts';

export type RelayFastPathDeps = {
  observer: HttpObserver;
  metrics: GatewayMetrics;
  tenants: PublicRouteDeps | undefined;
  drain: Drain | undefined;
  /** Stands in for a missing Host header, as the app's listener does. */
  defaultHost?: string | undefined;
};

type RelayedRoute = { endpoint: Endpoint; surface: Surface; meter: RouteMeter };

/**
 * One relayed request: what the fast path read from it (the headers as the web `Headers` would give
 * them, duplicates joined by ", ") and what it made for it. The only object it allocates per request.
 */
class Exchange implements KeyHeaders {
  host: string | undefined = undefined;
  authorization: string | undefined = undefined;
  xApiKey: string | undefined = undefined;
  callerId: string | undefined = undefined;
  requestId = '';
  started = 0;

  constructor(
    readonly route: RelayedRoute,
    readonly incoming: IncomingMessage,
    readonly outgoing: ServerResponse,
  ) {
    const raw = incoming.rawHeaders;
    // One pass, names in any case; only names of a matching length are lower-cased.
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i] as string;
      const value = raw[i + 1] as string;
      switch (name.length) {
        case 4:
          // Node keeps the first Host, and @hono/node-server reads it from there.
          if (this.host === undefined && name.toLowerCase() === 'host') this.host = value;
          break;
        case 9:
          if (name.toLowerCase() === 'x-api-key') this.xApiKey = joined(this.xApiKey, value);
          break;
        case 12:
          if (name.toLowerCase() === 'x-request-id') this.callerId = joined(this.callerId, value);
          break;
        case 13:
          if (name.toLowerCase() === 'authorization') this.authorization = joined(this.authorization, value);
          break;
      }
    }
  }
}

/**
 * The relayed tenant routes (POST /v1/chat/completions, /v1/embeddings, /v1/responses, /v1/messages,
 * /v1/messages/count_tokens) served straight from Node's request listener, without Hono's request,
 * context and middleware chain (ADR 0021); every other request goes to `fallback`, the Hono app.
 * It keeps what the app does for these routes: a gateway-made request id (the caller's logged as
 * `caller_request_id`), the drain gate and in-flight count, the key checks and unknown-key throttle,
 * the error envelopes and public error metrics, the HTTP metrics and the access-log line.
 */
export function relayFastPath(deps: RelayFastPathDeps, fallback: RequestListener): RequestListener {
  const fastPath = new RelayFastPath(deps);
  return function relayOrFallback(incoming, outgoing) {
    if (!fastPath.serves(incoming, outgoing)) fallback(incoming, outgoing);
  };
}

class RelayFastPath {
  private readonly routes = new Map<string, RelayedRoute>();
  /** Refused while draining before any route matched: the app labels these with its middleware's pattern. */
  private readonly drainingMeter: RouteMeter;

  constructor(private readonly deps: RelayFastPathDeps) {
    for (const endpoint of Object.values(ENDPOINTS)) {
      const meter = deps.observer.meter('POST', endpoint.path);
      this.routes.set(endpoint.path, { endpoint, surface: surfaceOf(endpoint.path), meter });
    }
    this.drainingMeter = deps.observer.meter('POST', '/*');
  }

  /** Takes the request when it is a relayed one the app would route; false leaves it to the app. */
  serves(incoming: IncomingMessage, outgoing: ServerResponse): boolean {
    if (incoming.method !== 'POST') return false;
    const url = incoming.url ?? '';
    const queryAt = url.indexOf('?');
    const route = this.routes.get(queryAt === -1 ? url : url.slice(0, queryAt));
    if (route === undefined) return false;
    const exchange = new Exchange(route, incoming, outgoing);
    // Left to the app: what it refuses before routing (no Host, an invalid one), and a fragment.
    const host = exchange.host || this.deps.defaultHost;
    if (!host || !hostAccepted(host) || (queryAt !== -1 && url.includes('#', queryAt))) return false;
    void this.relay(exchange, queryAt === -1 ? '' : url.slice(queryAt + 1));
    return true;
  }

  private async relay(exchange: Exchange, query: string): Promise<void> {
    const { drain, tenants } = this.deps;
    const { route, incoming, outgoing } = exchange;
    exchange.started = performance.now();
    exchange.requestId = newRequestId();
    try {
      if (drain?.refuses(route.endpoint.path)) {
        this.answerFailure(exchange, drainingError(), this.drainingMeter);
        return;
      }
      drain?.enter();
      let status: number;
      try {
        const secret = tenantSecret(tenants, exchange, query, peerAddress(incoming));
        // A gateway built without a tenant store (shell tests) knows no keys.
        if (tenants === undefined) throw unknownKeyError();
        const outcome = await relayTenantRequest(
          tenants,
          route.endpoint,
          secret,
          incoming,
          outgoing,
          exchange.requestId,
        );
        status = outcome.status;
      } catch (error) {
        this.answerFailure(exchange, error, route.meter);
        return;
      } finally {
        drain?.leave();
      }
      this.observe(exchange, route.meter, status);
    } catch (error) {
      // Only a fault of the fast path itself lands here: reported, and the connection cut.
      this.deps.observer.logger.error(this.logFields(exchange, { err: error }), 'unhandled error');
      outgoing.destroy();
    }
  }

  private answerFailure(exchange: Exchange, error: unknown, meter: RouteMeter): void {
    const { incoming, outgoing } = exchange;
    const answer = failureAnswer(error, exchange.route.surface, exchange.requestId, {
      publicErrors: this.deps.metrics.publicErrors,
      unexpected: (cause) =>
        this.deps.observer.logger.error(this.logFields(exchange, { err: cause }), 'unhandled error'),
    });
    if (outgoing.headersSent) {
      // The relay does not throw once it has written (relay-pipeline.ts); should it, the answer is cut.
      this.observe(exchange, meter, outgoing.statusCode);
      outgoing.destroy();
      return;
    }
    // Observed before the answer leaves, as in the app: a client reading /metrics next sees it.
    this.observe(exchange, meter, answer.status);
    outgoing.writeHead(answer.status, {
      ...answer.headers,
      'content-length': String(Buffer.byteLength(answer.body)),
    });
    outgoing.end(answer.body);
    discardBodyAfter(incoming, outgoing);
  }

  /** The HTTP metrics, and the access-log line when info is on. */
  private observe(exchange: Exchange, meter: RouteMeter, status: number): void {
    const seconds = (performance.now() - exchange.started) / 1000;
    meter.record(status, seconds);
    if (!this.deps.observer.logsRequests()) return;
    const fields = {
      method: 'POST',
      path: exchange.route.endpoint.path,
      route: meter.route,
      status,
      ms: accessLogMs(seconds),
    };
    this.deps.observer.logger.info(this.logFields(exchange, fields), 'request');
  }

  /**
   * The fields a per-request child logger would carry, then `fields`: the same JSON line as the app
   * writes through its child logger, without making one per request.
   */
  private logFields(exchange: Exchange, fields: Record<string, unknown>): Record<string, unknown> {
    const { requestId, callerId } = exchange;
    return callerId === undefined
      ? { request_id: requestId, ...fields }
      : { request_id: requestId, caller_request_id: callerId.slice(0, 128), ...fields };
  }
}

function joined(previous: string | undefined, value: string): string {
  return previous === undefined ? value : `${previous}, ${value}`;
}

/** @hono/node-server's Host check (its `buildUrl`): a plain host, or one the URL parser keeps as is. */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;

function hostAccepted(host: string): boolean {
  if (PLAIN_HOST.test(host)) return true;
  try {
    const { hostname } = new URL(`http://${host}/`);
    const withoutPort = host.includes(':') ? host.replace(/:\d+$/, '') : host;
    return hostname.length === host.length || hostname === withoutPort.toLowerCase();
  } catch {
    return false;
  }
}
