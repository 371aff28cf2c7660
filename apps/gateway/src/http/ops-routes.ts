import type { Hono } from 'hono';
import type { GatewayMetrics } from '../metrics.ts';
import type { AppEnv } from './env.ts';

/**
 * A dependency the gateway needs to serve traffic; `readyz` is 503 while any check fails, except
 * `degradesOnly` ones, which are reported (status `degraded`) but keep the replica in rotation.
 */
export type ReadinessCheck = { name: string; check: () => Promise<void>; degradesOnly?: boolean };

export function registerOpsRoutes(
  app: Hono<AppEnv>,
  deps: { metrics: GatewayMetrics; readinessChecks: readonly ReadinessCheck[]; version: string },
): void {
  app.get('/healthz', (c) => c.text('ok'));

  app.get('/readyz', async (c) => {
    const checks = await Promise.all(
      deps.readinessChecks.map(async ({ name, check, degradesOnly }) => {
        try {
          await withTimeout(check(), 2_000);
          return { name, ok: true, degradesOnly };
        } catch (error) {
          return {
            name,
            ok: false,
            degradesOnly,
            error: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
    const ok = checks.every((check) => check.ok || check.degradesOnly);
    const status = !ok ? 'unavailable' : checks.every((check) => check.ok) ? 'ready' : 'degraded';
    return c.json(
      {
        status,
        version: deps.version,
        checks: checks.map(({ degradesOnly: _, ...check }) => check),
      },
      ok ? 200 : 503,
    );
  });

  app.get('/metrics', async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.text(text, 200, { 'content-type': deps.metrics.registry.contentType });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
