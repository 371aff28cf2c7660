import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Manager configuration, parsed once at start (docs/configuration.md). Nothing else reads process.env.
 * Each setting has a primary `MANAGER_*` name; sub2api CRM's `SUB2API_CRM_*` names are accepted as aliases
 * so an existing deployment can switch without edits. When both are set the primary name wins.
 * A bad value throws ConfigError naming the variable; serve.ts prints it and exits non-zero.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type ManagerConfig = {
  env: 'development' | 'production' | 'test';
  adminToken: string;
  listen: { host: string; port: number };
  /** Path of the SQLite file, or `:memory:`. */
  sqlitePath: string;
  /** Root of the pack repository (the directory that holds `packs/`); undefined = no pack repository. */
  repoRoot: string | undefined;
  adminUsername: string;
  /** undefined → the admin token is the login password (sub2api CRM's behaviour). */
  adminPassword: string | undefined;
  sessionTtlMs: number;
  cookieSecure: boolean;
  gitAuthor: string;
  /** undefined → a key derived from the admin token is used (with a warning; refused in production). */
  secretKey: string | undefined;
  redisUrl: string | undefined;
  /** Items of batch-import runs processed at once (MANAGER_BATCH_CONCURRENCY). */
  batchConcurrency: number;
  /** Redis key prefix of the BullMQ item queue: managers sharing one Redis need distinct ones. */
  queuePrefix: string;
  probeIntervalMs: number;
  /** Period of the scheduled report-mode reconcile of every host with recorded resources. */
  reconcileIntervalMs: number;
  /** The built operator console served at /console/ (apps/console/dist by default). */
  consoleDir: string;
  logLevel: LogLevel;
};

/** Primary name → accepted alias. */
export const CONFIG_ALIASES = {
  MANAGER_ADMIN_TOKEN: 'SUB2API_CRM_ADMIN_TOKEN',
  MANAGER_LISTEN_ADDR: 'SUB2API_CRM_LISTEN_ADDR',
  MANAGER_SQLITE_PATH: 'SUB2API_CRM_SQLITE_DSN',
  MANAGER_REPO_ROOT: 'SUB2API_CRM_REPO_ROOT',
  MANAGER_ADMIN_USERNAME: 'SUB2API_CRM_ADMIN_USERNAME',
  MANAGER_ADMIN_PASSWORD: 'SUB2API_CRM_ADMIN_PASSWORD',
  MANAGER_ADMIN_SESSION_TTL: 'SUB2API_CRM_ADMIN_SESSION_TTL',
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid manager configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `90s`, `30m`, `12h`, `7d`, `1h30m`, or a bare number of seconds. */
export function parseDuration(value: string): number | undefined {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const part = /(\d+)(ms|s|m|h|d)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const match = part.exec(text);
    if (match === null) return undefined;
    total += Number(match[1]) * (unitMs[match[2] as string] ?? 0);
    at = part.lastIndex;
  }
  return at === 0 ? undefined : total;
}

const duration = (minMs: number, maxMs: number) =>
  z.string().transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration such as 90s, 30m or 12h` });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be between ${minMs / 1000}s and ${maxMs / 1000}s` });
      return z.NEVER;
    }
    return ms;
  });

const listenAddr = z.string().transform((value, ctx) => {
  // `:18190` (all interfaces, as sub2api CRM writes it), `host:port`, or `[::1]:port`.
  const match = /^(?:\[([^\]]+)\]|([^:\s]*)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : Number.NaN;
  if (match === null || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not host:port (e.g. 127.0.0.1:18190)` });
    return z.NEVER;
  }
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
});

const sqlitePath = z.string().transform((value, ctx) => {
  // sub2api CRM's DSN form `file:/path/db?_foreign_keys=on&_busy_timeout=5000`: keep the path, drop the options
  // (WAL, busy timeout and foreign keys are always set by the store itself).
  if (!value.startsWith('file:')) return value;
  const path = decodeURIComponent(value.slice('file:'.length).split('?')[0] ?? '').replace(/^\/\/(?=\/)/, '');
  if (path === '') {
    ctx.addIssue({ code: 'custom', message: 'the file: DSN names no path' });
    return z.NEVER;
  }
  return path;
});

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => {
    return v === 'true' || v === '1' || v === 'yes';
  });

export const envSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: 'must be development, production or test' })
    .default('development'),
  MANAGER_ADMIN_TOKEN: z.string({ error: 'is required' }).min(16, 'must be at least 16 characters'),
  MANAGER_LISTEN_ADDR: listenAddr.default({ host: '127.0.0.1', port: 18190 }),
  MANAGER_SQLITE_PATH: sqlitePath.default('./data/manager.db'),
  MANAGER_REPO_ROOT: z.string().optional(),
  MANAGER_ADMIN_USERNAME: z.string().trim().min(1).max(128).default('admin'),
  MANAGER_ADMIN_PASSWORD: z.string().min(1).max(1024).optional(),
  MANAGER_ADMIN_SESSION_TTL: duration(60_000, 30 * 86_400_000).default(12 * 3_600_000),
  MANAGER_COOKIE_SECURE: bool.default(true),
  MANAGER_GIT_AUTHOR: z
    .string()
    .regex(/^[^<>\n]+ <[^<>\s]+>$/, 'must look like "name <email>"')
    .default('relay-manager <relay-manager@localhost>'),
  MANAGER_SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  MANAGER_PROBE_INTERVAL: duration(1000, 86_400_000).default(60_000),
  MANAGER_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  MANAGER_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9{}_.:-]{1,100}$/, 'must be 1-100 of A-Z a-z 0-9 { } _ . : -')
    .default('{relay-manager}'),
  MANAGER_RECONCILE_INTERVAL: duration(1000, 7 * 86_400_000).default(300_000),
  MANAGER_CONSOLE_DIR: z.string().optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
});

/** Settings production refuses to run without: it never silently falls back to a derived key. */
const REQUIRED_IN_PRODUCTION = ['MANAGER_ADMIN_TOKEN', 'MANAGER_SECRET_KEY'] as const;

/** The monorepo root, whose packs/ is the default pack repository outside production. */
export function monorepoRoot(): string {
  // From src/config.ts or from the bundle (dist/serve.js): the nearest folder holding the workspace file.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
    dir = parent;
  }
  return dir;
}

export function loadConfig(env: Record<string, string | undefined>): ManagerConfig {
  // Empty strings count as unset, as operators write `FOO=` in env files to clear a value.
  const set = (name: string) => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const merged: Record<string, string> = {};
  for (const name of Object.keys(envSchema.shape)) {
    const alias = (CONFIG_ALIASES as Record<string, string>)[name];
    const value = set(name) ?? (alias === undefined ? undefined : set(alias));
    if (value !== undefined) merged[name] = value;
  }
  const nameOf = (name: string) => {
    const alias = (CONFIG_ALIASES as Record<string, string>)[name];
    return alias !== undefined && set(name) === undefined && set(alias) !== undefined ? alias : name;
  };

  const production = merged.NODE_ENV === 'production';
  if (production) {
    const missing = REQUIRED_IN_PRODUCTION.filter((name) => merged[name] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(
        missing.map((name) => {
          const alias = (CONFIG_ALIASES as Record<string, string>)[name];
          return `${name}${alias ? ` (or ${alias})` : ''} is required when NODE_ENV=production`;
        }),
      );
    }
  }

  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        if (merged[name] === undefined) {
          const alias = (CONFIG_ALIASES as Record<string, string>)[name];
          return `${name}${alias ? ` (or ${alias})` : ''} is required`;
        }
        return `${nameOf(name)}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  let repoRoot = e.MANAGER_REPO_ROOT === undefined ? undefined : resolve(e.MANAGER_REPO_ROOT);
  if (repoRoot === undefined && !production) repoRoot = monorepoRoot();
  return {
    env: e.NODE_ENV,
    adminToken: e.MANAGER_ADMIN_TOKEN,
    listen: e.MANAGER_LISTEN_ADDR,
    sqlitePath: e.MANAGER_SQLITE_PATH,
    repoRoot,
    adminUsername: e.MANAGER_ADMIN_USERNAME,
    adminPassword: e.MANAGER_ADMIN_PASSWORD,
    sessionTtlMs: e.MANAGER_ADMIN_SESSION_TTL,
    cookieSecure: e.MANAGER_COOKIE_SECURE,
    gitAuthor: e.MANAGER_GIT_AUTHOR,
    secretKey: e.MANAGER_SECRET_KEY,
    redisUrl: e.REDIS_URL,
    batchConcurrency: e.MANAGER_BATCH_CONCURRENCY,
    queuePrefix: e.MANAGER_QUEUE_PREFIX,
    probeIntervalMs: e.MANAGER_PROBE_INTERVAL,
    reconcileIntervalMs: e.MANAGER_RECONCILE_INTERVAL,
    consoleDir: resolve(e.MANAGER_CONSOLE_DIR ?? join(monorepoRoot(), 'apps', 'console', 'dist')),
    logLevel: e.LOG_LEVEL,
  };
}
