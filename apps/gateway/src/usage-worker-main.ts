import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { usageQueuePrefix } from './services.ts';
import { createStore, openDatabase } from './store/index.ts';
import { startUsageWorker } from './usage/index.ts';

/**
 * A usage worker process: takes usage records from the durable queue and writes them to Postgres in
 * batches. Run one or more next to gateway replicas started with GATEWAY_USAGE_WORKER=off.
 * Needs DATABASE_URL and REDIS_URL (the same values as the gateways).
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
    if (config.redisUrl === undefined || config.databaseUrl === undefined) {
      throw new ConfigError(['the usage worker needs DATABASE_URL and REDIS_URL']);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, base: { role: 'usage-worker' } });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const worker = startUsageWorker({
    redisUrl: config.redisUrl,
    store: createStore(database.db),
    logger,
    prefix: usageQueuePrefix(config.redisPrefix),
  });
  logger.info('usage worker started');
  const stop = (signal: string) => {
    logger.info({ signal }, 'usage worker stopping');
    worker
      .close()
      .then(() => database.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'usage worker stop failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
