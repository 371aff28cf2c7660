import { Counter, Gauge, type Registry } from 'prom-client';
import type { AdminDeps } from './admin/index.ts';
import type { AppDeps } from './app.ts';
import type { GatewayConfig } from './config.ts';
import { FailureThrottle } from './http/failure-throttle.ts';
import type { ReadinessCheck } from './http/ops-routes.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { AdmissionGate } from './relay/admission-gate.ts';
import { RelayPipeline } from './relay/relay-pipeline.ts';
import { TenantDirectory } from './relay/tenant-directory.ts';
import { type CacheEvent, createRuntime, LeaseKeeper } from './runtime/index.ts';
import { createCredentialCipher, loadSecretKey } from './secrets/index.ts';
import { createStore, openDatabase } from './store/index.ts';
import { UpstreamPools } from './upstream/upstream-pools.ts';
import {
  BatchingUsageWriter,
  BullmqUsageQueue,
  createUpstreamMetrics,
  LastUsedWriter,
  observingUsage,
  registerAccountHealthMetrics,
  registerUsageMetrics,
  startUsageWorker,
  type UsageQueue,
} from './usage/index.ts';
import { GATEWAY_VERSION } from './version.ts';

/** Tenant-cache hits and misses, read at scrape time. */
function registerTenantCacheMetrics(registry: Registry, stats: { hits: number; misses: number }): void {
  new Counter({
    name: 'relay_gateway_tenant_cache_lookups_total',
    help: 'API key lookups by result: hit (answered from memory) or miss (loaded from the database)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: 'hit' }, stats.hits);
      this.inc({ result: 'miss' }, stats.misses);
    },
  });
}

/** The long-lived services behind the app, built once at start and closed once at shutdown. */
export type GatewayServices = { deps: AppDeps; close: () => Promise<void> };

/** Knobs tests use to isolate instances that share one Redis (never set in production). */
export type ServiceOptions = { redisPrefix?: string };

/**
 * Builds every service once. Embedded mode (no DATABASE_URL / REDIS_URL) and production differ only
 * in which implementations are wired here: PGlite or Postgres, memory or Redis runtime state, the
 * in-process usage writer or the durable BullMQ queue.
 */
export async function buildServices(
  config: GatewayConfig,
  logger: Logger = createLogger({ level: config.logLevel }),
  options: ServiceOptions = {},
): Promise<GatewayServices> {
  const metrics = createMetrics({ collectProcessMetrics: true });
  const readinessChecks: ReadinessCheck[] = [];
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer().catch((error: unknown) => logger.error({ err: error }, 'close failed'));
    }
  };
  try {
    // PGlite at <dataDir>/pg without DATABASE_URL; migrations applied on open (safe to re-run).
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    closers.push(() => database.close());
    // Postgres down degrades the replica but keeps it in rotation: the tenant cache carries the traffic
    // of loaded keys through an outage, which taking every replica out would turn into a full one.
    readinessChecks.push({ name: 'db', check: database.ping, degradesOnly: database.kind === 'postgres' });
    const store = createStore(database.db);
    const cipher = createCredentialCipher(
      loadSecretKey({
        secretKey: config.secretKey,
        dataDir: config.dataDir,
        warn: (message, fields) => logger.warn(fields, message),
      }),
    );

    const redisPrefix = options.redisPrefix ?? config.redisPrefix;
    const runtime = createRuntime({
      redisUrl: config.redisUrl,
      prefix: redisPrefix,
      connectionName: 'relay-gateway',
      onError: (error) => logger.warn({ err: error }, 'runtime state error'),
    });
    closers.push(() => runtime.close());
    if (runtime.mode === 'redis') {
      await runtime.ready();
      readinessChecks.push({ name: 'redis', check: () => runtime.ready(1_000) });
    }

    const usage = await startUsage(config, store, logger, { redisPrefix }, closers);
    registerUsageMetrics(metrics.registry, usage.sources);
    // last_used_at of keys and accounts: remembered per request, written at most once per id per 30 s.
    const lastUsed = new LastUsedWriter({ store, logger });
    closers.push(() => lastUsed.close());

    const servingStale = new Gauge({
      name: 'relay_gateway_tenant_cache_stale',
      help: '1 while the tenant cache answers from entries past their TTL because the database is unreachable',
      registers: [metrics.registry],
    });
    const directory = new TenantDirectory(store, cipher, {
      // Embedded PGlite lives in this process and cannot be unreachable; only a slow machine delays it.
      loadTimeoutMs: database.kind === 'postgres' ? 800 : 60_000,
      onStaleChange: (stale, error) => {
        servingStale.set(stale ? 1 : 0);
        if (stale)
          logger.error(
            { err: error },
            'database unreachable: serving cached tenants (up to 15 min old); unknown keys get 503',
          );
        else logger.info('database reachable again: tenant cache reloading normally');
      },
    });
    const upstreamMetrics = createUpstreamMetrics(metrics.registry);
    registerAccountHealthMetrics(metrics.registry, upstreamMetrics.accounts, runtime.health);
    registerTenantCacheMetrics(metrics.registry, directory.stats);
    runtime.cacheBus.subscribe(() => directory.invalidateAll());
    await runtime.cacheBus.ready();
    const publishChange = (event: CacheEvent) =>
      runtime.cacheBus.publish(event).catch((error: unknown) => {
        // The TTL backstop still bounds staleness; say so instead of failing the admin write.
        logger.warn(
          { err: error, event },
          'cache invalidation not published; caches refresh within their TTL',
        );
      });

    const keeper = new LeaseKeeper({
      admission: runtime.admission,
      leaseTtlMs: config.leaseTtlMs,
      // Redis being away is already logged by the runtime; a lease that ended early is worth a line.
      onError: (error, what) =>
        what === 'renew' && !(error instanceof Error && error.name === 'RuntimeUnavailableError')
          ? logger.warn({ err: error }, 'admission lease renewal')
          : logger.debug({ err: error, what }, 'admission lease call failed; retrying'),
    });
    closers.push(async () => keeper.close());
    new Gauge({
      name: 'relay_gateway_lease_releases_pending',
      help: 'Admission leases and slots whose release waits for Redis to answer (retried every 200 ms)',
      registers: [metrics.registry],
      collect() {
        this.set(keeper.backlog);
      },
    });
    const gate = new AdmissionGate({
      admission: runtime.admission,
      keeper,
      reload: async (view) => (await directory.reload(view)) ?? view,
      whenUnavailable: config.limiterUnavailable,
      reserveMaxTokens: config.reserveMaxTokens,
      logger,
    });

    const pools = new UpstreamPools();
    closers.push(() => pools.close());
    const relay = new RelayPipeline({
      directory,
      pools,
      gate,
      keeper,
      whenLimiterUnavailable: config.limiterUnavailable,
      slots: runtime.slots,
      sticky: runtime.sticky,
      health: runtime.health,
      usage: observingUsage(usage.queue, [
        (record) => lastUsed.touch(record.apiKeyId, record.accountId, record.createdAt ?? new Date()),
        (record) => upstreamMetrics.observe(record),
      ]),
      logger,
      maxAttempts: config.maxAttempts,
      upstreamTimeoutMs: config.upstreamTimeoutMs,
      body: {
        limitBytes: config.bodyLimitBytes,
        graceMs: config.bodyGraceMs,
        minBytesPerSecond: config.bodyMinBytesPerSecond,
      },
      onAccountRejected: (accountId, message) => {
        store.accounts
          .markError(accountId, message)
          .then(() => publishChange({ kind: 'account', ids: [accountId] }))
          .catch((error: unknown) =>
            logger.error({ err: error, account_id: accountId }, 'could not mark account error'),
          );
      },
    });

    const admin: AdminDeps = {
      store,
      cipher,
      adminToken: config.adminToken,
      authThrottle: throttleOf(config.adminAuthFailureLimit, 15 * 60_000),
      version: GATEWAY_VERSION,
      accountTestTimeoutMs: config.upstreamTimeoutMs,
      onChange: (change) => void publishChange({ kind: 'admin', ids: [change.path] }),
      onEvent: (event) => {
        // An operator clearing a cooldown also clears the shared circuit state the relay keeps.
        if (event.kind === 'account_cooldown_cleared') {
          runtime.health
            .clear(event.accountId)
            .catch((error: unknown) => logger.warn({ err: error }, 'could not clear account health'));
        }
      },
    };
    const deps: AppDeps = {
      config,
      logger,
      metrics,
      readinessChecks,
      version: GATEWAY_VERSION,
      admin,
      tenants: { relay, directory, keyThrottle: throttleOf(config.keyAuthFailureLimit, 60_000) },
    };
    return { deps, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The usage queue's BullMQ prefix for a deployment's Redis prefix (undefined: the default `{relay}`). */
export function usageQueuePrefix(redisPrefix: string | undefined): string | undefined {
  return redisPrefix === undefined ? undefined : `{${redisPrefix}usage}`;
}

function throttleOf(maxFailures: number, windowMs: number): FailureThrottle | undefined {
  return maxFailures === 0 ? undefined : new FailureThrottle({ maxFailures, windowMs });
}

/**
 * The longest a usage record waits in memory in embedded mode. Measured cost per record of the
 * embedded writer: ~1 ms at 10 records per batch, 0.27–0.43 ms at 70, 0.13–0.19 ms at 300–350,
 * 0.09–0.12 ms at 1 000 (ADR 0012); 250 ms gave ~70-record batches at 300 req/s.
 */
export const EMBEDDED_USAGE_FLUSH_MS = 1000;

async function startUsage(
  config: GatewayConfig,
  store: ReturnType<typeof createStore>,
  logger: Logger,
  options: ServiceOptions,
  closers: Array<() => Promise<void>>,
): Promise<{ queue: UsageQueue; sources: Parameters<typeof registerUsageMetrics>[1] }> {
  // Large, infrequent transactions (each has a fixed cost: PGlite milliseconds, ~4–10 ms per batch
  // against ~0.1 ms per record), written as short INSERT statements with the event loop let through
  // between them, so no write stalls requests for long (docs/adr/0012).
  const writer = new BatchingUsageWriter({
    store,
    logger,
    maxBatchSize: 1000,
    flushIntervalMs: EMBEDDED_USAGE_FLUSH_MS,
    rowsPerStatement: 50,
  });
  closers.push(() => writer.close());
  if (config.redisUrl === undefined) return { queue: writer, sources: { queue: writer, writer } };
  // Production: the durable queue; the local writer only takes what Redis cannot (overflow at close).
  const prefix = usageQueuePrefix(options.redisPrefix);
  const worker =
    config.usageWorker === 'inline'
      ? startUsageWorker({ redisUrl: config.redisUrl, store, logger, prefix })
      : undefined;
  if (worker !== undefined) closers.push(() => worker.close());
  const queue = new BullmqUsageQueue({ redisUrl: config.redisUrl, logger, overflow: writer, prefix });
  closers.push(() => queue.close());
  return { queue, sources: { queue, writer: worker ?? writer } };
}
