import { z } from 'zod';

/**
 * Gateway configuration, parsed once at start (docs/configuration.md). Nothing else reads process.env.
 * A bad value throws ConfigError naming the variable; serve.ts prints it and exits non-zero.
 */

const intFromEnv = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  GATEWAY_PORT: intFromEnv(0, 65535).default(8080),
  GATEWAY_HOST: z.string().trim().min(1).default('0.0.0.0'),
  GATEWAY_ADMIN_LISTEN: z
    .string()
    .trim()
    .regex(/^[^:\s]+:\d{1,5}$/, 'must be host:port')
    .optional(),
  GATEWAY_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  GATEWAY_SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  GATEWAY_DATA_DIR: z.string().trim().min(1).default('./data/gateway'),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  GATEWAY_MAX_ATTEMPTS: intFromEnv(1, 10).default(3),
  GATEWAY_UPSTREAM_TIMEOUT_MS: intFromEnv(100, 600_000).default(30_000),
  GATEWAY_BODY_LIMIT_BYTES: intFromEnv(1024, 256 * 1024 * 1024).default(8 * 1024 * 1024),
  GATEWAY_BODY_GRACE_MS: intFromEnv(100, 600_000).default(10_000),
  GATEWAY_BODY_MIN_BYTES_PER_SECOND: intFromEnv(1, 1024 * 1024 * 1024).default(8192),
  GATEWAY_ADMIN_AUTH_FAILURE_LIMIT: intFromEnv(0, 1_000_000).default(10),
  GATEWAY_KEY_AUTH_FAILURE_LIMIT: intFromEnv(0, 1_000_000).default(60),
  GATEWAY_DRAIN_TIMEOUT_MS: intFromEnv(0, 3_600_000).default(30_000),
  GATEWAY_USAGE_WORKER: z.enum(['inline', 'off']).default('inline'),
  GATEWAY_LEASE_TTL_MS: intFromEnv(1_000, 600_000).default(30_000),
  GATEWAY_LIMITER_UNAVAILABLE: z.enum(['closed', 'open']).default('closed'),
  GATEWAY_RESERVE_MAX_TOKENS: intFromEnv(1, 10_000_000).default(4_096),
  GATEWAY_REDIS_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits or _ . : -')
    .optional(),
  GATEWAY_HEAP_GROWTH_PERCENT: intFromEnv(0, 300).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type GatewayConfig = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Separate listener for /admin/v1 when set; otherwise admin shares the public port. */
  adminListen: { host: string; port: number } | undefined;
  adminToken: string;
  secretKey: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  maxAttempts: number;
  upstreamTimeoutMs: number;
  bodyLimitBytes: number;
  /** A request body may take this long before `bodyMinBytesPerSecond` applies; slower bodies get 408. */
  bodyGraceMs: number;
  bodyMinBytesPerSecond: number;
  /** Wrong admin tokens per client address per 15 min before 429 ADMIN_AUTH_THROTTLED (0 = off). */
  adminAuthFailureLimit: number;
  /** Unknown API keys per client address per minute before 429 AUTH_THROTTLED (0 = off). */
  keyAuthFailureLimit: number;
  /** On SIGTERM, how long requests and streams in flight may take to finish before they are cut. */
  drainTimeoutMs: number;
  /**
   * With Redis: `inline` runs the usage worker (queue → database) in this process; `off` leaves it to
   * separate worker processes (`src/usage-worker-main.ts`), which keeps its CPU off the serving replicas.
   */
  usageWorker: 'inline' | 'off';
  /**
   * Admission leases (limits, slots, budget reservations) end this long after the last renewal; the
   * gateway renews them every third of it while a request runs, so a crashed process's leases free
   * themselves within one lease time.
   */
  leaseTtlMs: number;
  /**
   * When the shared limiter state (Redis) does not answer: `closed` refuses with 503
   * LIMITER_UNAVAILABLE; `open` serves without limits, slots or reservations (money is then checked
   * against the cached view only).
   */
  limiterUnavailable: 'closed' | 'open';
  /**
   * Completion tokens assumed when reserving a request's worst-case cost: the request's `max_tokens`
   * (or `max_completion_tokens` / `max_output_tokens`) capped at this, or this when it sets none.
   */
  reserveMaxTokens: number;
  /**
   * Namespace of every Redis key (limits, slots, sticky sessions, health, cache bus, usage queue), so two
   * deployments can share one Redis. Unset: `relay:` for runtime state and `{relay}` for the usage queue.
   */
  redisPrefix: string | undefined;
  /**
   * How far V8 lets its old generation grow past the live data of the last full collection before the
   * next one (the limit is live × (1 + this / 100)); 0 leaves V8's own factor (up to 4×). Embedded
   * mode defaults to 50: its engine holds its memory beside the heap, and under load the heap would
   * otherwise double before collecting promoted garbage (docs/adr/0025).
   */
  heapGrowthPercent: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid gateway configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Settings production refuses to run without: it never silently falls back to memory or a generated key. */
const REQUIRED_IN_PRODUCTION = ['DATABASE_URL', 'REDIS_URL', 'GATEWAY_SECRET_KEY'] as const;

export function loadConfig(env: Record<string, string | undefined>): GatewayConfig {
  // Empty strings count as unset, as operators write `FOO=` in env files to clear a value.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        return issue.code === 'invalid_type' && cleaned[name] === undefined
          ? `${name} is required`
          : `${name}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production') {
    const missing = REQUIRED_IN_PRODUCTION.filter((name) => e[name] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(missing.map((name) => `${name} is required when NODE_ENV=production`));
    }
  }
  let adminListen: GatewayConfig['adminListen'];
  if (e.GATEWAY_ADMIN_LISTEN !== undefined) {
    const at = e.GATEWAY_ADMIN_LISTEN.lastIndexOf(':');
    const port = Number(e.GATEWAY_ADMIN_LISTEN.slice(at + 1));
    if (port > 65535) throw new ConfigError(['GATEWAY_ADMIN_LISTEN: port must be at most 65535']);
    adminListen = { host: e.GATEWAY_ADMIN_LISTEN.slice(0, at), port };
  }
  return {
    env: e.NODE_ENV,
    port: e.GATEWAY_PORT,
    host: e.GATEWAY_HOST,
    adminListen,
    adminToken: e.GATEWAY_ADMIN_TOKEN,
    secretKey: e.GATEWAY_SECRET_KEY,
    dataDir: e.GATEWAY_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    maxAttempts: e.GATEWAY_MAX_ATTEMPTS,
    upstreamTimeoutMs: e.GATEWAY_UPSTREAM_TIMEOUT_MS,
    bodyLimitBytes: e.GATEWAY_BODY_LIMIT_BYTES,
    bodyGraceMs: e.GATEWAY_BODY_GRACE_MS,
    bodyMinBytesPerSecond: e.GATEWAY_BODY_MIN_BYTES_PER_SECOND,
    adminAuthFailureLimit: e.GATEWAY_ADMIN_AUTH_FAILURE_LIMIT,
    keyAuthFailureLimit: e.GATEWAY_KEY_AUTH_FAILURE_LIMIT,
    drainTimeoutMs: e.GATEWAY_DRAIN_TIMEOUT_MS,
    usageWorker: e.GATEWAY_USAGE_WORKER,
    leaseTtlMs: e.GATEWAY_LEASE_TTL_MS,
    limiterUnavailable: e.GATEWAY_LIMITER_UNAVAILABLE,
    reserveMaxTokens: e.GATEWAY_RESERVE_MAX_TOKENS,
    redisPrefix: e.GATEWAY_REDIS_PREFIX,
    heapGrowthPercent: e.GATEWAY_HEAP_GROWTH_PERCENT ?? (e.DATABASE_URL === undefined ? 50 : 0),
    logLevel: e.LOG_LEVEL,
  };
}
