import type { AppDeps } from './app.ts';
import type { GatewayConfig } from './config.ts';
import type { ReadinessCheck } from './http/ops-routes.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { GATEWAY_VERSION } from './version.ts';

/** The long-lived services behind the app, built once at start and closed once at shutdown. */
export type GatewayServices = { deps: AppDeps; close: () => Promise<void> };

export async function buildServices(
  config: GatewayConfig,
  logger: Logger = createLogger({ level: config.logLevel }),
): Promise<GatewayServices> {
  const metrics = createMetrics({ collectProcessMetrics: true });
  const readinessChecks: ReadinessCheck[] = [];
  const closers: Array<() => Promise<void>> = [];
  const deps: AppDeps = { config, logger, metrics, readinessChecks, version: GATEWAY_VERSION };
  return {
    deps,
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}
