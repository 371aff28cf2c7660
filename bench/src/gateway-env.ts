import { join } from 'node:path';
import { type ManagedProcess, startProcess } from '@relay/testkit';

/** The admin token of every gateway the benchmark starts. */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';

/**
 * The environment of a benchmarked gateway: embedded, or production when DATABASE_URL / REDIS_URL are
 * set — then as operators deploy it, serving replicas leaving the usage queue to a worker process.
 */
export function gatewayEnv(port: number, dataDir: string): Record<string, string> {
  const env: Record<string, string> = {
    GATEWAY_PORT: String(port),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    GATEWAY_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    GATEWAY_SECRET_KEY: 'b'.repeat(64),
  };
  if (process.env.DATABASE_URL) env.DATABASE_URL = process.env.DATABASE_URL;
  if (process.env.REDIS_URL) {
    env.REDIS_URL = process.env.REDIS_URL;
    env.GATEWAY_USAGE_WORKER = 'off';
  } else env.NODE_ENV = 'development';
  return env;
}

/** The usage worker process of the production topology (`GATEWAY_USAGE_WORKER=off` on the gateway). */
export async function startUsageWorker(
  root: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<ManagedProcess> {
  const worker = await startProcess({
    command: process.execPath,
    args: [...nodeArgs, join(root, 'apps/gateway/dist/usage-worker-main.js')],
    env: { ...env, LOG_LEVEL: 'info' },
  });
  await worker.waitForOutput(/usage worker started/, { timeoutMs: 60_000 });
  return worker;
}
