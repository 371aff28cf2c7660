import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per app instance (not prom-client's global), so tests can build many apps. */
export type GatewayMetrics = {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  /** Tenant API refusals by error code: admission (limits, quota, balance), keys, routing, upstream. */
  publicErrors: Counter<'code'>;
};

export function createMetrics(options: { collectProcessMetrics: boolean }): GatewayMetrics {
  const registry = new Registry();
  if (options.collectProcessMetrics) collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: 'relay_gateway_http_requests_total',
    help: 'HTTP requests handled, by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'relay_gateway_http_request_duration_seconds',
    help: 'Time to response headers, by route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const publicErrors = new Counter({
    name: 'relay_gateway_public_errors_total',
    help: 'Tenant API error answers by code (RATE_LIMITED, QUOTA_EXCEEDED, NO_AVAILABLE_ACCOUNTS, …)',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  return { registry, httpRequests, httpDuration, publicErrors };
}
