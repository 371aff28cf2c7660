import { createServer, type RequestListener, type Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { createRequestListener } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { Drain } from './http/drain.ts';
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
  // V8 reads this factor each time it sets the next full collection's threshold, so setting it here,
  // before the heap has grown, has the effect of the command-line flag (which NODE_OPTIONS refuses).
  if (config.heapGrowthPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);
  const services = await buildServices(config, logger);
  const drain = new Drain();
  const deps = { ...services.deps, drain };
  // With a separate admin listener each port serves only its own API.
  const listener = createRequestListener(deps, {
    surface: config.adminListen ? 'tenant' : 'all',
    hostname: config.host,
  });

  if (config.redisUrl === undefined) {
    // ADR 0005: embedded mode batches usage in memory (up to 1 s; ADR 0012) and relaxes PGlite's fsync.
    logger.warn(
      'embedded mode: usage is written in batches from memory, so a crash can lose the last second of usage; set DATABASE_URL and REDIS_URL for production',
    );
  }
  // Plain HTTP/1.1 servers (no http2 option), so the connection-level close methods exist.
  const servers: Server[] = [
    listen(listener, config.port, config.host, (port) => {
      logger.info(
        { port, host: config.host, mode: config.databaseUrl ? 'production' : 'embedded' },
        'gateway listening',
      );
    }),
  ];
  if (config.adminListen) {
    const { host, port } = config.adminListen;
    servers.push(
      listen(createRequestListener(deps, { surface: 'admin', hostname: host }), port, host, (listening) =>
        logger.info({ port: listening, host }, 'admin listening'),
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
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, in_flight: drain.inFlightCount, timeout_ms: config.drainTimeoutMs },
      'shutting down: draining in-flight requests',
    );
    // New connections are refused; new requests on kept-alive ones get 503 + Connection: close; a
    // connection is closed as soon as it is idle (its in-flight response finished).
    drain.begin();
    const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    const sweep = setInterval(() => {
      for (const server of servers) server.closeIdleConnections();
    }, 50);
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      drain.idle().then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), config.drainTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    clearInterval(sweep);
    if (!drained) {
      logger.warn(
        { in_flight: drain.inFlightCount, timeout_ms: config.drainTimeoutMs },
        'drain timeout reached: cutting the requests still in flight',
      );
    }
    for (const server of servers) server.closeAllConnections();
    await Promise.all(closed);
    // Flushes usage (queue and writer) and closes pools; bounded, so a dead Redis cannot hold the exit.
    const flushed = await Promise.race([
      services.close().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 15_000).unref()),
    ]).catch((error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      return false;
    });
    logger.info({ drained, flushed }, 'stopped');
    process.exit(flushed ? 0 : 1);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function listen(
  listener: RequestListener,
  port: number,
  host: string,
  onListening: (port: number) => void,
): Server {
  const server = createServer(listener);
  server.listen(port, host, () => {
    const address = server.address();
    onListening(typeof address === 'object' && address !== null ? address.port : port);
  });
  return server;
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
