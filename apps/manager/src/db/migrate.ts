import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * A tiny migration runner: every `NNNN_name.sql` in ./migrations is applied once, in order, each in its own
 * transaction, and recorded in `schema_migrations` with its sha256. Chosen over drizzle's migrator because the
 * SQL files stay hand-written and reviewable (comments, indexes, CHECK-free SQLite types) and because an edited,
 * already-applied migration must stop the process instead of being silently skipped.
 */

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export type Migration = { version: string; name: string; sql: string; checksum: string };

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      return {
        version: file.slice(0, 4),
        name: file.slice(5, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Applies pending migrations; returns the versions applied now. */
export function migrate(
  sqlite: BetterSqlite3.Database,
  migrations: Migration[] = readMigrations(),
): string[] {
  sqlite.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied = new Map(
    (
      sqlite.prepare('SELECT version, checksum FROM schema_migrations').all() as {
        version: string;
        checksum: string;
      }[]
    ).map((row) => [row.version, row.checksum]),
  );
  const record = sqlite.prepare(
    'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
  );
  const done: string[] = [];
  for (const migration of migrations) {
    const checksum = applied.get(migration.version);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) {
        throw new MigrationError(
          `migration ${migration.version}_${migration.name} was changed after it was applied (checksum differs); add a new migration instead`,
        );
      }
      continue;
    }
    sqlite.transaction(() => {
      sqlite.exec(migration.sql);
      record.run(migration.version, migration.name, migration.checksum, Date.now());
    })();
    done.push(migration.version);
  }
  return done;
}
