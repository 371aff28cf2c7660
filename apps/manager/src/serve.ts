import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createServices } from './services.ts';

/** In-flight requests get this long to finish after SIGTERM/SIGINT before connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The manager process: the only place that reads process.env and listens. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`relay-manager: refusing to start: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const services = await createServices(config);
  const { logger } = services;
  const app = createApp(services);
  const server = serve({
    fetch: app.fetch,
    hostname: config.listen.host,
    port: config.listen.port,
  }) as Server;

  server.on('error', (error: NodeJS.ErrnoException) => {
    const where = `${config.listen.host}:${config.listen.port}`;
    process.stderr.write(
      error.code === 'EADDRINUSE'
        ? `relay-manager: cannot listen on ${where}: the port is already in use (set MANAGER_LISTEN_ADDR)\n`
        : `relay-manager: cannot listen on ${where}: ${error.message}\n`,
    );
    void services.close().finally(() => process.exit(1));
  });
  server.on('listening', () => {
    const address = server.address() as AddressInfo;
    logger.info({ host: address.address, port: address.port, env: config.env }, 'relay manager listening');
    services.scheduler.start();
    services.reconcileScheduler.start();
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      void services.close().then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'error while stopping');
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `relay-manager: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
