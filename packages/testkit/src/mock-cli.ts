/**
 * Runs one mock upstream as its own process (quick-start script, benchmark):
 *   node --import tsx packages/testkit/src/mock-cli.ts [--port 0] [--host 127.0.0.1] [--api-key K] [--latency-ms 0]
 * Prints one JSON line `{"url":"http://127.0.0.1:PORT","port":PORT}` once listening; SIGTERM/SIGINT stop it.
 */
import { parseArgs } from 'node:util';
import { startMockUpstream } from './mock/upstream.ts';

function fail(message: string): never {
  process.stderr.write(`mock-cli: ${message}\n`);
  process.exit(2);
}

function nonNegativeInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) fail(`--${name} must be a non-negative integer, got ${raw}`);
  return value;
}

function readArgs() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'api-key': { type: 'string' },
        'latency-ms': { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

const values = readArgs();
const mock = await startMockUpstream({
  port: nonNegativeInt('port', values.port) ?? 0,
  host: values.host,
  apiKey: values['api-key'],
  latencyMs: nonNegativeInt('latency-ms', values['latency-ms']),
}).catch((error: unknown) =>
  fail(`cannot listen: ${error instanceof Error ? error.message : String(error)}`),
);
process.stdout.write(`${JSON.stringify({ url: mock.url, port: mock.port })}\n`);

const shutdown = (): void => {
  mock.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
