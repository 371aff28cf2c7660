import type { Readiness } from '@relay/schemas';
import type { Hono } from 'hono';
import type { GatewayMetrics } from '../metrics.ts';
import type { AppEnv } from './env.ts';

/** A dependency the gateway needs to serve traffic; `readyz` is 503 while any check fails. */
export type ReadinessCheck = { name: string; check: () => Promise<void> };

export function registerOpsRoutes(
  app: Hono<AppEnv>,
  deps: { metrics: GatewayMetrics; readinessChecks: readonly ReadinessCheck[]; version: string },
): void {
  app.get('/healthz', (c) => c.text('ok'));

  // The same shape as the manager's /readyz (packages/schemas `readinessSchema`).
  app.get('/readyz', async (c) => {
    const results = await Promise.all(
      deps.readinessChecks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2_000);
          return [name, { ok: true, detail: `${name} answers` }] as const;
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          return [name, { ok: false, detail: `${name}: ${reason}` }] as const;
        }
      }),
    );
    const checks: Readiness['checks'] = Object.fromEntries(results);
    const ok = results.every(([, result]) => result.ok);
    const body: Readiness = { status: ok ? 'ready' : 'unavailable', version: deps.version, checks };
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
