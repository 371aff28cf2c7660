import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { buildServices } from './services.ts';

/** The only place that reads the environment and listens. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  const services = await buildServices(config, logger);
  // With a separate admin listener each port serves only its own API.
  const app = createApp(services.deps, config.adminListen ? 'tenant' : 'all');

  if (config.redisUrl === undefined) {
    // ADR 0005: embedded mode batches usage in memory (up to 200 ms) and relaxes PGlite's fsync.
    logger.warn(
      'embedded mode: usage is written in batches from memory, so a crash can lose the last fraction of a second of usage; set DATABASE_URL and REDIS_URL for production',
    );
  }
  const servers = [
    serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
      logger.info(
        { port: info.port, host: config.host, mode: config.databaseUrl ? 'production' : 'embedded' },
        'gateway listening',
      );
    }),
  ];
  if (config.adminListen) {
    const { host, port } = config.adminListen;
    servers.push(
      serve({ fetch: createApp(services.deps, 'admin').fetch, port, hostname: host }, (info) =>
        logger.info({ port: info.port, host }, 'admin listening'),
      ),
    );
  }
  for (const server of servers) {
    server.on('error', (error: NodeJS.ErrnoException) => {
      process.stderr.write(`relay-gateway: ${listenFailure(error)}\n`);
      void services.close().finally(() => process.exit(1));
    });
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => {
      logger.warn('drain deadline reached, exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
      .then(() => services.close())
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** One line an operator can act on, instead of a stack trace. */
function listenFailure(error: NodeJS.ErrnoException & { port?: number; address?: string }): string {
  const where = `${error.address ?? '0.0.0.0'}:${error.port ?? '?'}`;
  if (error.code === 'EADDRINUSE')
    return `cannot listen on ${where}: the port is already in use (set GATEWAY_PORT or GATEWAY_ADMIN_LISTEN)`;
  if (error.code === 'EACCES') return `cannot listen on ${where}: permission denied (use a port above 1023)`;
  return `cannot listen on ${where}: ${error.message}`;
}

await main();
