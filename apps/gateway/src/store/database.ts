import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import type { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** Either driver's database: the gateway speaks one dialect, whichever engine runs it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface OpenedDatabase {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Throws when the database does not answer (readiness probe). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres://… — when unset the embedded PGlite at `<dataDir>/pg` is used. */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** In-memory PGlite (tests); ignored when `databaseUrl` is set. */
  memory?: boolean;
  /** Apply the SQL migrations in ./drizzle (default true; safe to re-run). */
  migrate?: boolean;
  /** postgres.js pool size (default 10). */
  poolSize?: number;
}

/** The SQL migrations: beside the bundle (dist/drizzle) or in the package (src/store → drizzle). */
export const MIGRATIONS_FOLDER = [
  new URL('./drizzle', import.meta.url),
  new URL('../../drizzle', import.meta.url),
]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(join(dir, 'meta', '_journal.json'))) as string;

// Any constant works; it only has to be the same for every gateway replica.
const MIGRATION_LOCK_ID = 725_001;

export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const opened = options.databaseUrl
    ? await openPostgres(options.databaseUrl, options)
    : await openPglite(options);
  return opened;
}

/**
 * PGlite's memory settings, sized for one gateway process (its defaults are a server's: 128 MB of
 * shared buffers, 100 connections). WebAssembly memory never shrinks, so what the engine touches
 * once stays in the process's RSS: docs/adr/0013. 8 MB of shared buffers left the engine's memory at
 * 18 instead of 29 MB after load, for ~5 % more CPU per usage row with a million rows stored (docs/adr/0024).
 */
export const PGLITE_SETTINGS: readonly string[] = [
  'shared_buffers=8MB',
  'max_connections=4',
  'wal_buffers=512kB',
  'temp_buffers=1MB',
  'work_mem=2MB',
  'maintenance_work_mem=16MB',
];

function pgliteStartParams(defaults: readonly string[]): string[] {
  return [...defaults, ...PGLITE_SETTINGS.flatMap((setting) => ['-c', setting])];
}

async function openPglite(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  keepWebAssemblyBaseline();
  // Loaded only here: a gateway on Postgres never loads the engine's code (a few MB of its heap).
  const [{ PGlite }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  let client: PGlite;
  if (options.memory) {
    client = new PGlite({ startParams: pgliteStartParams(PGlite.defaultStartParams) });
  } else {
    if (!options.dataDir) throw new Error('openDatabase: dataDir is required when databaseUrl is unset');
    const dir = join(options.dataDir, 'pg');
    mkdirSync(dir, { recursive: true });
    // Creating a cluster (initdb) and the first migrations take the engine's memory to ~700 MB, which
    // the process would keep for life: a short-lived child process does it instead.
    if (!existsSync(join(dir, 'PG_VERSION'))) await initialisePgliteInChild(dir, options.migrate !== false);
    client = new PGlite(dir, {
      relaxedDurability: true,
      startParams: pgliteStartParams(PGlite.defaultStartParams),
    });
  }
  await client.waitReady;
  const db = drizzlePglite({ client, schema });
  if (options.migrate !== false) await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return {
    db: db as unknown as Database,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}

const run = promisify(execFile);

/**
 * Creates the PGlite cluster at `dir` (and applies the migrations) in a child Node process that exits
 * when done. The child loads the same packages as this module, resolved from here, as CommonJS.
 */
async function initialisePgliteInChild(dir: string, migrate: boolean): Promise<void> {
  const script = `
    const { createRequire } = require('node:module');
    const load = createRequire(${JSON.stringify(import.meta.url)});
    const { PGlite } = load('@electric-sql/pglite');
    (async () => {
      const client = new PGlite(${JSON.stringify(dir)});
      await client.waitReady;
      if (${migrate}) {
        const { drizzle } = load('drizzle-orm/pglite');
        const { migrate } = load('drizzle-orm/pglite/migrator');
        await migrate(drizzle({ client }), { migrationsFolder: ${JSON.stringify(MIGRATIONS_FOLDER)} });
      }
      await client.close();
    })().catch((error) => { console.error(error); process.exit(1); });
  `;
  await run(process.execPath, ['-e', script], { maxBuffer: 16 * 1024 * 1024 });
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  if (options.migrate !== false) await migratePostgresLocked(url);
  const client = postgres(url, {
    max: options.poolSize ?? 10,
    onnotice: () => {},
    // An unreachable database must fail queries fast (the tenant cache then answers from what it has)
    // instead of queueing them: a short connect timeout, and reconnects without the driver's default
    // backoff, which grows to 20 s after repeated failures and holds every queued query that long.
    connect_timeout: 2,
    backoff: () => 0,
  });
  const db = drizzlePostgres({ client, schema });
  return {
    db: db as unknown as Database,
    kind: 'postgres',
    ping: async () => {
      await client`select 1`;
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}

/** Several replicas may start at once: an advisory lock on one dedicated connection serialises them. */
async function migratePostgresLocked(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      await migratePostgres(drizzlePostgres({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    }
  } finally {
    await client.end({ timeout: 5 });
  }
}

/**
 * The engine's WebAssembly stays on V8's baseline compiler (Liftoff): optimising its hot functions
 * with TurboFan left ~40 MB more RSS at idle and 50-80 MB more after load, for ~15 % less CPU per usage
 * row written (a few µs per relayed request): docs/adr/0024. Set before the module is compiled; it
 * applies to the whole process (undici's small HTTP parser module included), which in embedded mode
 * is the process that holds the engine.
 */
function keepWebAssemblyBaseline(): void {
  setFlagsFromString('--liftoff-only');
}
