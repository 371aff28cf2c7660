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

await main();
