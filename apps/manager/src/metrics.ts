import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One registry per app instance (not prom-client's global one), so tests can build many apps.
 * `active_hosts`, `active_providers` and `db_connections_active` keep sub2api CRM's names exactly (dashboards
 * depend on them); every other metric is prefixed `relay_manager_`.
 */
export type ManagerMetrics = {
  registry: Registry;
  activeHosts: Gauge;
  activeProviders: Gauge;
  dbConnectionsActive: Gauge;
  hostsByStatus: Gauge<'status'>;
  hostUp: Gauge<'host_id' | 'host_name'>;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  operations: Counter<'operation' | 'outcome'>;
  operationDuration: Histogram<'operation'>;
};

export type MetricSources = {
  /** Hosts whose last probe passed, and every registered host by status. */
  hostsByStatus(): Record<string, number>;
  /** Each registered host and whether its last probe passed. */
  hosts(): { id: string; name: string; up: boolean }[];
  /** Providers of valid packs in the loaded pack repository. */
  activeProviders(): number;
  /** Open database connections (1 while the SQLite handle is open). */
  dbConnections(): number;
};

export function createMetrics(options: {
  collectProcessMetrics: boolean;
  sources: MetricSources;
}): ManagerMetrics {
  const registry = new Registry();
  const { sources } = options;
  if (options.collectProcessMetrics) collectDefaultMetrics({ register: registry });
  const hostsByStatus = new Gauge({
    name: 'relay_manager_hosts',
    help: 'Registered gateway hosts by status of their last probe',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, n] of Object.entries(sources.hostsByStatus())) this.set({ status }, n);
    },
  });
  const hostUp = new Gauge({
    name: 'relay_manager_host_up',
    help: '1 when the last probe of the host passed, else 0',
    labelNames: ['host_id', 'host_name'] as const,
    registers: [registry],
    collect() {
      // Reset first so a deleted or renamed host does not leave a stale series behind.
      this.reset();
      for (const host of sources.hosts())
        this.set({ host_id: host.id, host_name: host.name }, host.up ? 1 : 0);
    },
  });
  return {
    registry,
    hostsByStatus,
    hostUp,
    activeHosts: new Gauge({
      name: 'active_hosts',
      help: 'Registered gateway hosts whose last probe passed',
      registers: [registry],
      collect() {
        this.set(sources.hostsByStatus().active ?? 0);
      },
    }),
    activeProviders: new Gauge({
      name: 'active_providers',
      help: 'Providers in valid packs of the loaded pack repository',
      registers: [registry],
      collect() {
        this.set(sources.activeProviders());
      },
    }),
    dbConnectionsActive: new Gauge({
      name: 'db_connections_active',
      help: 'Open connections to the manager database',
      registers: [registry],
      collect() {
        this.set(sources.dbConnections());
      },
    }),
    httpRequests: new Counter({
      name: 'relay_manager_http_requests_total',
      help: 'HTTP requests handled, by route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'relay_manager_http_request_duration_seconds',
      help: 'Time to response, by route pattern',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    operations: new Counter({
      name: 'relay_manager_operations_total',
      help: 'Manager operations (host.register, host.probe, host.smoke, packs.reload, auth.login, ...) by outcome',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    }),
    operationDuration: new Histogram({
      name: 'relay_manager_operation_duration_seconds',
      help: 'Duration of manager operations',
      labelNames: ['operation'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
  };
}

/** Times `fn` and counts it as `operation` with outcome ok|error. */
export async function measured<T>(
  metrics: ManagerMetrics,
  operation: string,
  fn: () => Promise<T>,
): Promise<T> {
  const end = metrics.operationDuration.startTimer({ operation });
  try {
    const result = await fn();
    metrics.operations.inc({ operation, outcome: 'ok' });
    return result;
  } catch (error) {
    metrics.operations.inc({ operation, outcome: 'error' });
    throw error;
  } finally {
    end();
  }
}
