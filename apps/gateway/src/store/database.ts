import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
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

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

// Any constant works; it only has to be the same for every gateway replica.
const MIGRATION_LOCK_ID = 725_001;

export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const opened = options.databaseUrl
    ? await openPostgres(options.databaseUrl, options)
    : await openPglite(options);
  return opened;
}

async function openPglite(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  let client: PGlite;
  if (options.memory) {
    client = new PGlite();
  } else {
    if (!options.dataDir) throw new Error('openDatabase: dataDir is required when databaseUrl is unset');
    const dir = join(options.dataDir, 'pg');
    mkdirSync(dir, { recursive: true });
    client = new PGlite(dir, { relaxedDurability: true });
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
