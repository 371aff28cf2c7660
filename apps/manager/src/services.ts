import { Redis } from 'ioredis';
import { AccessService } from './access/access-service.ts';
import { AuditLog } from './audit/audit-log.ts';
import { AuthService } from './auth/auth-service.ts';
import type { LoginThrottleOptions } from './auth/login-throttle.ts';
import { LoginThrottle } from './auth/login-throttle.ts';
import { createBatchRunMetrics } from './batch-runs/batch-run-metrics.ts';
import { BatchRunService } from './batch-runs/batch-run-service.ts';
import { BullmqItemQueue } from './batch-runs/bullmq-item-queue.ts';
import type { ItemQueue } from './batch-runs/item-queue.ts';
import { SqliteItemQueue } from './batch-runs/sqlite-item-queue.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import { type ManagerConfig, monorepoRoot } from './config.ts';
import { ConsoleSite } from './console/console-site.ts';
import { SecretBox } from './crypto/secret-box.ts';
import type { ManagerDatabase } from './db/database.ts';
import { openDatabase } from './db/database.ts';
import { DraftService } from './drafts/draft-service.ts';
import type { PublishStep } from './drafts/pack-publisher.ts';
import { PackPublisher } from './drafts/pack-publisher.ts';
import { BatchRecorder } from './engine/batches.ts';
import { HostConnections } from './engine/host-connection.ts';
import type { ImportMetrics } from './engine/import-metrics.ts';
import { createImportMetrics } from './engine/import-metrics.ts';
import type { HostClientFactory } from './hosts/host-client.ts';
import { defaultHostClientFactory } from './hosts/host-client.ts';
import type { HostLeaseOptions } from './hosts/host-lease.ts';
import { HostLeases } from './hosts/host-lease.ts';
import { HostService } from './hosts/host-service.ts';
import { ProbeScheduler } from './hosts/probe-scheduler.ts';
import { ImportQueries } from './imports/import-queries.ts';
import { ImportService } from './imports/import-service.ts';
import { SmokeKeyProvisioner } from './imports/smoke-key.ts';
import type { Logger } from './logger.ts';
import { createLogger } from './logger.ts';
import type { ManagerMetrics } from './metrics.ts';
import { createMetrics } from './metrics.ts';
import { PackCatalog } from './packs/pack-catalog.ts';
import { seedPackRepository } from './packs/seed-pack-repository.ts';
import { ReconcileService } from './reconcile/reconcile-service.ts';
import { RollbackService } from './rollback/rollback-service.ts';
import type { Store } from './store/store.ts';
import { createStore } from './store/store.ts';

/** Everything the app needs, built once by serve.ts (or by a test) and handed to createApp. */
export type ManagerServices = {
  config: ManagerConfig;
  logger: Logger;
  clock: Clock;
  database: ManagerDatabase;
  store: Store;
  metrics: ManagerMetrics;
  auth: AuthService;
  audit: AuditLog;
  packs: PackCatalog;
  leases: HostLeases;
  hosts: HostService;
  scheduler: ProbeScheduler;
  /** Host credentials and import credentials at rest. */
  secrets: SecretBox;
  importMetrics: ImportMetrics;
  imports: ImportService;
  importQueries: ImportQueries;
  rollbacks: RollbackService;
  access: AccessService;
  reconcile: ReconcileService;
  drafts: DraftService;
  batchRuns: BatchRunService;
  /** The scheduled report-mode reconcile of every host with recorded resources (MANAGER_RECONCILE_INTERVAL). */
  reconcileScheduler: ProbeScheduler;
  redis: Redis | undefined;
  /** The operator console's static files (served at /console/). */
  consoleSite: ConsoleSite;
  /** Stops the schedulers, closes Redis and the database. Idempotent. */
  close(): Promise<void>;
};

export type ServiceOverrides = {
  logger?: Logger;
  clock?: Clock;
  hostClients?: HostClientFactory;
  collectProcessMetrics?: boolean;
  loginThrottle?: LoginThrottleOptions;
  hostLease?: HostLeaseOptions;
  /** Test seam of the publish: runs after each step, a throw is that step failing. */
  afterPublishStep?: (step: PublishStep) => void | Promise<void>;
  /** Redis key prefix of the BullMQ item queue (tests isolate suites with it). */
  queuePrefix?: string;
};

export async function createServices(
  config: ManagerConfig,
  overrides: ServiceOverrides = {},
): Promise<ManagerServices> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const clock = overrides.clock ?? systemClock;
  if (config.secretKey === undefined) {
    logger.warn(
      'MANAGER_SECRET_KEY is not set: host credentials are encrypted with a key derived from the admin token (set it in production)',
    );
  }
  const secrets =
    config.secretKey === undefined
      ? SecretBox.derivedFromAdminToken(config.adminToken)
      : SecretBox.fromSecretKey(config.secretKey);

  const database = openDatabase(config.sqlitePath);
  if (database.migrated.length > 0) logger.info({ versions: database.migrated }, 'database migrated');
  const store = createStore(database);
  const packs = new PackCatalog(config.repoRoot, clock);
  const metrics = createMetrics({
    collectProcessMetrics: overrides.collectProcessMetrics ?? true,
    sources: {
      hostsByStatus: () => store.hosts.countByStatus(),
      hosts: () => store.hosts.all().map((h) => ({ id: h.id, name: h.name, up: h.status === 'active' })),
      activeProviders: () => packs.activeProviderCount(),
      dbConnections: () => (database.sqlite.open ? 1 : 0),
    },
  });
  const audit = new AuditLog(store, clock);
  const auth = new AuthService(
    config,
    store,
    new LoginThrottle(clock, overrides.loginThrottle),
    clock,
    new LoginThrottle(clock, overrides.loginThrottle),
  );
  const leases = new HostLeases(store, clock, overrides.hostLease);
  const clients = overrides.hostClients ?? defaultHostClientFactory;
  const importMetrics = createImportMetrics(metrics.registry);
  const connections = new HostConnections(store, secrets, clients);
  const batches = new BatchRecorder(store, clock, importMetrics);
  const importLogger = logger.child({ component: 'imports' });
  const smokeKeys = new SmokeKeyProvisioner({
    store,
    connections,
    secrets,
    batches,
    packs,
    importMetrics,
    clock,
    logger: importLogger,
  });
  const lifecycle = { store, connections, secrets, leases, batches, metrics, importMetrics, clock };
  const access = new AccessService({ ...lifecycle, logger: importLogger });
  const hosts = new HostService({
    store,
    secrets,
    clients,
    leases,
    metrics,
    clock,
    logger: logger.child({ component: 'hosts' }),
    smokeKeys,
    access,
  });
  const imports = new ImportService({ ...lifecycle, packs, access, logger: importLogger });
  const importQueries = new ImportQueries({ store, access, clock });
  const rollbacks = new RollbackService({ ...lifecycle, logger: importLogger });
  const reconcile = new ReconcileService({ ...lifecycle, logger: logger.child({ component: 'reconcile' }) });
  const publisher = new PackPublisher({
    repoRoot: config.repoRoot,
    gitAuthor: config.gitAuthor,
    afterStep: overrides.afterPublishStep,
  });
  const drafts = new DraftService({
    store,
    packs,
    publisher,
    clock,
    logger: logger.child({ component: 'drafts' }),
  });
  const runLogger = logger.child({ component: 'batch-runs' });
  const itemQueue: ItemQueue =
    config.redisUrl === undefined
      ? new SqliteItemQueue(database.sqlite, {
          concurrency: config.batchConcurrency,
          clock,
          logger: runLogger,
        })
      : new BullmqItemQueue({
          redisUrl: config.redisUrl,
          concurrency: config.batchConcurrency,
          logger: runLogger,
          prefix: overrides.queuePrefix ?? config.queuePrefix,
        });
  const batchRuns = new BatchRunService({
    ...lifecycle,
    imports,
    queue: itemQueue,
    runMetrics: createBatchRunMetrics(metrics.registry, store.batchRuns),
    logger: runLogger,
  });
  const orphanedLeases = leases.releaseOrphaned();
  if (orphanedLeases > 0)
    logger.warn({ leases: orphanedLeases }, 'released host leases of processes that no longer run');
  await batchRuns.recoverAfterRestart();
  batchRuns.start();
  const reconcileScheduler = new ProbeScheduler(
    () => reconcile.runScheduled(),
    config.reconcileIntervalMs,
    logger.child({ component: 'reconcile-scheduler' }),
  );
  const scheduler = new ProbeScheduler(
    () => hosts.probeAll(),
    config.probeIntervalMs,
    logger.child({ component: 'probe-scheduler' }),
  );

  // Redis is only a dependency when configured; a producer must fail fast rather than queue commands forever.
  const redis =
    config.redisUrl === undefined
      ? undefined
      : new Redis(config.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  if (redis !== undefined) {
    redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis error'));
    redis.connect().catch(() => undefined);
  }

  if (config.repoRoot !== undefined) {
    try {
      const seeded = await seedPackRepository(config.repoRoot, monorepoRoot());
      if (seeded.length > 0) {
        logger.info(
          { repo_root: config.repoRoot, packs: seeded },
          'pack repository was empty: copied the built-in packs',
        );
      }
    } catch (error) {
      logger.error(
        { repo_root: config.repoRoot, err: error },
        'could not copy the built-in packs into the pack repository',
      );
    }
  }
  const state = await packs.reload();
  if (state.state === 'loaded') {
    const invalid = state.repository.packs.filter((p) => !p.valid).map((p) => p.id);
    logger.info(
      { repo_root: config.repoRoot, packs: state.repository.packs.length, invalid },
      'pack repository loaded',
    );
  } else if (state.state === 'failed') {
    logger.error({ repo_root: config.repoRoot, error: state.error }, 'pack repository failed to load');
  }

  let closed = false;
  return {
    config,
    logger,
    clock,
    database,
    store,
    metrics,
    auth,
    audit,
    packs,
    leases,
    hosts,
    scheduler,
    secrets,
    importMetrics,
    imports,
    importQueries,
    rollbacks,
    access,
    reconcile,
    drafts,
    batchRuns,
    reconcileScheduler,
    redis,
    consoleSite: new ConsoleSite(config.consoleDir),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all([scheduler.stop(), reconcileScheduler.stop(), batchRuns.close()]);
      if (redis !== undefined) redis.disconnect();
      database.close();
    },
  };
}
