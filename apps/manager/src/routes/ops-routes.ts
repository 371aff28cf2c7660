import type { Readiness } from '@relay/schemas';
import type { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { ManagerDatabase } from '../db/database.ts';
import type { AppEnv } from '../http/env.ts';
import type { ManagerMetrics } from '../metrics.ts';
import type { PackCatalog } from '../packs/pack-catalog.ts';

export type ReadyCheck = Readiness['checks'][string];

/** Reported by /readyz, as the gateway reports its own. */
export const MANAGER_VERSION = '0.1.0';

/** How long readyz waits for Redis before calling it down. */
const REDIS_PING_TIMEOUT_MS = 1_000;

/**
 * Unauthenticated operator endpoints: `/healthz` (the process answers), `/readyz` (its dependencies
 * answer: 503 with the failing check otherwise; the same shape as the gateway's), `/metrics` (Prometheus
 * text). In production a pack repository with no loaded pack is not ready: imports would have nothing
 * to offer.
 */
export function registerOpsRoutes(
  app: Hono<AppEnv>,
  deps: {
    database: ManagerDatabase;
    packs: PackCatalog;
    redis: Redis | undefined;
    metrics: ManagerMetrics;
    config: { env: string };
  },
): void {
  app.get('/healthz', (c) => c.text('ok'));

  app.get('/readyz', async (c) => {
    const checks: Record<string, ReadyCheck> = {
      db: checkDb(deps.database),
      pack_repo: checkPacks(deps.packs, deps.config.env === 'production'),
    };
    if (deps.redis !== undefined) checks.redis = await checkRedis(deps.redis);
    const ok = Object.values(checks).every((check) => check.ok);
    const body: Readiness = { status: ok ? 'ready' : 'unavailable', version: MANAGER_VERSION, checks };
    return c.json(body, ok ? 200 : 503);
  });

  app.get('/metrics', async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.text(text, 200, { 'content-type': deps.metrics.registry.contentType });
  });
}

function checkDb(database: ManagerDatabase): ReadyCheck {
  try {
    database.sqlite.prepare('SELECT 1').get();
    return { ok: true, detail: 'sqlite answers' };
  } catch (error) {
    return { ok: false, detail: `sqlite: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function checkPacks(packs: PackCatalog, production: boolean): ReadyCheck {
  const current = packs.current;
  if (current.state === 'not_configured')
    return { ok: !production, detail: 'no pack repository configured (MANAGER_REPO_ROOT)' };
  if (current.state === 'failed')
    return { ok: false, detail: `pack repository failed to load: ${current.error}` };
  const missing = current.repository.errors.find((e) => e.code === 'PACKS_DIR_MISSING');
  if (missing !== undefined) return { ok: false, detail: missing.message };
  const invalid = current.repository.packs.filter((p) => !p.valid).length;
  const valid = current.repository.packs.length - invalid;
  return {
    ok: !production || valid > 0,
    detail: `${current.repository.packs.length} packs loaded, ${invalid} invalid`,
  };
}

async function checkRedis(redis: Redis): Promise<ReadyCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), REDIS_PING_TIMEOUT_MS);
    });
    await Promise.race([redis.ping(), timeout]);
    return { ok: true, detail: 'redis answers' };
  } catch (error) {
    return { ok: false, detail: `redis: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}
