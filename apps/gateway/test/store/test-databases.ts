import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type OpenedDatabase, openDatabase } from '../../src/store/database.ts';

/** The real server (CI and this machine): `DATABASE_URL` if set, else the local trust-auth default. */
export const POSTGRES_ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `url` is set for a Postgres database (to open a second handle, as another replica would). */
export type TestDatabase = OpenedDatabase & { name: string; url?: string };

export async function openPgliteTestDatabase(): Promise<TestDatabase> {
  const opened = await openDatabase({ memory: true });
  return { ...opened, name: 'pglite-memory' };
}

/**
 * A fresh database `relay_test_<random>` on the real server, migrated; `close()` drops it.
 * Isolation by construction: no test file ever shares tables with another.
 */
export async function openPostgresTestDatabase(): Promise<TestDatabase> {
  const name = `relay_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const opened = await openDatabase({ databaseUrl: url.toString(), poolSize: 4 });
  return {
    ...opened,
    name,
    url: url.toString(),
    close: async () => {
      await opened.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
