import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { discardBodyAfter } from '../http/discard-body.ts';
import { type Drain, drainingError } from '../http/drain.ts';
import { type ErrorAnswer, failureAnswer, type Surface, surfaceOf } from '../http/error-response.ts';
import { peerAddress } from '../http/failure-throttle.ts';
import { accessLogMs, type HttpObserver, type RouteMeter } from '../http/observe.ts';
import { newRequestId } from '../http/request-id.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { ENDPOINTS, type Endpoint } from '../upstream/endpoints.ts';
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

/** The request headers the fast path reads, as the web `Headers` would give them (duplicates joined). */
type EdgeHeaders = {
  host: string | undefined;
  authorization: string | undefined;
  xApiKey: string | undefined;
  callerId: string | undefined;
};

/**
 * The relayed tenant routes (POST /v1/chat/completions, /v1/embeddings, /v1/responses, /v1/messages,
 * /v1/messages/count_tokens) served straight from Node's request listener, without Hono's request,
 * context and middleware chain (ADR 0021); every other request goes to `fallback`, the Hono app.
 * It keeps what the app does for these routes: a gateway-made request id (the caller's logged as
 * `caller_request_id`), the drain gate and in-flight count, the key checks and unknown-key throttle,
 * the error envelopes and public error metrics, the HTTP metrics and the access-log line.
 */
export function relayFastPath(deps: RelayFastPathDeps, fallback: RequestListener): RequestListener {
  const routes = new Map<string, RelayedRoute>();
  for (const endpoint of Object.values(ENDPOINTS)) {
    const surface = surfaceOf(endpoint.path);
    routes.set(endpoint.path, { endpoint, surface, meter: deps.observer.meter('POST', endpoint.path) });
  }
  // Refused while draining before any route matched: Hono labelled these with its middleware pattern.
  const drainingMeter = deps.observer.meter('POST', '/*');

  const serve = async (
    route: RelayedRoute,
    headers: EdgeHeaders,
    query: string,
    incoming: IncomingMessage,
    outgoing: ServerResponse,
  ): Promise<void> => {
    const started = performance.now();
    const requestId = newRequestId();
    const { drain } = deps;
    if (drain?.refuses(route.endpoint.path)) {
      answerFailure(drainingError(), route, drainingMeter, headers, requestId, started, incoming, outgoing);
      return;
    }
    drain?.enter();
    try {
      const secret = tenantSecret(deps.tenants, headers, query, peerAddress(incoming));
      // A gateway built without a tenant store (shell tests) knows no keys.
      if (deps.tenants === undefined) throw unknownKeyError();
      const outcome = await relayTenantRequest(
        deps.tenants,
        route.endpoint,
        secret,
        incoming,
        outgoing,
        requestId,
      );
      done(route, route.meter, headers, requestId, started, outcome.status);
    } catch (error) {
      answerFailure(error, route, route.meter, headers, requestId, started, incoming, outgoing);
    } finally {
      drain?.leave();
    }
  };

  const done = (
    route: RelayedRoute,
    meter: RouteMeter,
    headers: EdgeHeaders,
    requestId: string,
    started: number,
    status: number,
  ): void => {
    const seconds = (performance.now() - started) / 1000;
    meter.record(status, seconds);
    if (!deps.observer.logsRequests()) return;
    // The fields a per-request child logger would carry, first: the same line, without the child.
    const fields = {
      request_id: requestId,
      ...(headers.callerId === undefined ? {} : { caller_request_id: headers.callerId.slice(0, 128) }),
      method: 'POST',
      path: route.endpoint.path,
      route: meter.route,
      status,
      ms: accessLogMs(seconds),
    };
    deps.observer.logger.info(fields, 'request');
  };

  const answerFailure = (
    error: unknown,
    route: RelayedRoute,
    meter: RouteMeter,
    headers: EdgeHeaders,
    requestId: string,
    started: number,
    incoming: IncomingMessage,
    outgoing: ServerResponse,
  ): void => {
    const answer = failureAnswer(error, route.surface, requestId, {
      publicErrors: deps.metrics.publicErrors,
      unexpected: (cause) =>
        deps.observer.logger.error(
          {
            request_id: requestId,
            ...(headers.callerId === undefined ? {} : { caller_request_id: headers.callerId.slice(0, 128) }),
            err: cause,
          },
          'unhandled error',
        ),
    });
    if (outgoing.headersSent) {
      // The relay never throws once it has written (relay-pipeline.ts); should it, the answer is cut.
      done(route, meter, headers, requestId, started, outgoing.statusCode);
      outgoing.destroy();
      return;
    }
    // Counted before the answer leaves, as the app does: a client reading /metrics next sees it.
    done(route, meter, headers, requestId, started, answer.status);
    writeAnswer(outgoing, answer);
    discardBodyAfter(incoming, outgoing);
  };

  return function relayOrFallback(incoming, outgoing) {
    const url = incoming.url ?? '';
    const queryAt = url.indexOf('?');
    const route =
      incoming.method === 'POST' ? routes.get(queryAt === -1 ? url : url.slice(0, queryAt)) : undefined;
    const headers = route === undefined ? undefined : edgeHeaders(incoming.rawHeaders);
    // Left to the app: what it refuses before routing (no Host, an invalid one) and any fragment.
    const host = headers?.host || deps.defaultHost;
    if (
      route === undefined ||
      headers === undefined ||
      !host ||
      !hostAccepted(host) ||
      url.includes('#', queryAt)
    ) {
      fallback(incoming, outgoing);
      return;
    }
    void serve(route, headers, queryAt === -1 ? '' : url.slice(queryAt + 1), incoming, outgoing);
  };
}

function writeAnswer(outgoing: ServerResponse, answer: ErrorAnswer): void {
  outgoing.writeHead(answer.status, {
    ...answer.headers,
    'content-length': String(Buffer.byteLength(answer.body)),
  });
  outgoing.end(answer.body);
}

/** One pass over the raw headers (names in any case), joining duplicates with ", " as `Headers` does. */
function edgeHeaders(raw: readonly string[]): EdgeHeaders {
  const headers: EdgeHeaders = {
    host: undefined,
    authorization: undefined,
    xApiKey: undefined,
    callerId: undefined,
  };
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    switch (name.length) {
      case 4:
        // Node keeps the first Host, as @hono/node-server reads it.
        if (headers.host === undefined && name.toLowerCase() === 'host') headers.host = value;
        break;
      case 9:
        if (name.toLowerCase() === 'x-api-key') headers.xApiKey = joined(headers.xApiKey, value);
        break;
      case 12:
        if (name.toLowerCase() === 'x-request-id') headers.callerId = joined(headers.callerId, value);
        break;
      case 13:
        if (name.toLowerCase() === 'authorization')
          headers.authorization = joined(headers.authorization, value);
        break;
    }
  }
  return headers;
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
