import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * A tiny migration runner: every `NNNN_name.sql` in ./migrations is applied once, in order, each in its own
 * transaction, and recorded in `schema_migrations` with the sha256 of its statements (whole-line `--`
 * comments and blank lines left out, so a comment can be corrected). Chosen over drizzle's migrator because
 * the SQL files stay hand-written and reviewable (comments, indexes, CHECK-free SQLite types) and because an
 * edited, already-applied migration must stop the process instead of being silently skipped.
 */

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export type Migration = {
  version: string;
  name: string;
  sql: string;
  checksum: string;
  /** sha256 of the file's whole text: what runners before statement checksums recorded. */
  rawChecksum: string;
};

/**
 * Whole-text checksums of migrations as first shipped, for the ones whose comments were corrected since:
 * a database that recorded them is upgraded to the statement checksum instead of being refused.
 */
const SHIPPED_RAW_CHECKSUMS: Readonly<Record<string, string>> = {
  '0001': 'c387e4c822f6993fdb6be4597fa3db80d3547cbf9b4cbdf17a572e072492b3af',
  '0002': 'cb8f6d1d4597f07772b40feab1f2132ad922443ecd14abe374c1c916f5f3a999',
};

/** The statements of a migration, without whole-line comments and blank lines: what its checksum covers. */
export function statementText(sql: string): string {
  return sql
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '' && !line.trimStart().startsWith('--'))
    .join('\n');
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

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
        checksum: sha256(statementText(sql)),
        rawChecksum: sha256(sql),
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
  const upgrade = sqlite.prepare('UPDATE schema_migrations SET checksum = ? WHERE version = ?');
  const done: string[] = [];
  for (const migration of migrations) {
    const checksum = applied.get(migration.version);
    if (checksum !== undefined) {
      if (checksum === migration.rawChecksum || checksum === SHIPPED_RAW_CHECKSUMS[migration.version]) {
        upgrade.run(migration.checksum, migration.version);
        continue;
      }
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
