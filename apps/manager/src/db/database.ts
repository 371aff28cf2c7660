import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from './migrate.ts';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema>;

/** The open SQLite database: the raw handle (for pragmas and atomic statements) and its drizzle view. */
export type ManagerDatabase = {
  sqlite: Database.Database;
  db: Db;
  /** Migration versions applied by this open. */
  migrated: string[];
  close(): void;
};

/**
 * Opens (creating the directory if needed) and migrates the manager's SQLite file. WAL lets readers run
 * while a write commits; busy_timeout makes a second connection (a CLI, a backup) wait instead of failing.
 */
export function openDatabase(path: string): ManagerDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  try {
    const migrated = migrate(sqlite);
    return {
      sqlite,
      db: drizzle(sqlite, { schema }),
      migrated,
      close: () => {
        if (sqlite.open) sqlite.close();
      },
    };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}
