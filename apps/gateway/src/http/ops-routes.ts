import type { Readiness } from '@relay/schemas';
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

  // The same shape as the manager's /readyz (packages/schemas `readinessSchema`).
  app.get('/readyz', async (c) => {
    const results = await Promise.all(
      deps.readinessChecks.map(async ({ name, check, degradesOnly }) => {
        try {
          await withTimeout(check(), 2_000);
          return { name, ok: true, degradesOnly: degradesOnly === true, detail: `${name} answers` };
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          return { name, ok: false, degradesOnly: degradesOnly === true, detail: `${name}: ${reason}` };
        }
      }),
    );
    const ok = results.every((result) => result.ok || result.degradesOnly);
    const status = !ok ? 'unavailable' : results.every((result) => result.ok) ? 'ready' : 'degraded';
    const checks: Readiness['checks'] = Object.fromEntries(
      results.map((result) => [result.name, { ok: result.ok, detail: result.detail }]),
    );
    const body: Readiness = { status, version: deps.version, checks };
    return c.json(body, ok ? 200 : 503);
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
