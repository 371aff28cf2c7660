import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { getTableColumns, getTableName } from 'drizzle-orm';
import { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { MigrationError, migrate, readMigrations } from './migrate.ts';
import * as schema from './schema.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relay-manager-db-'));
  dirs.push(dir);
  return dir;
}

const EXPECTED_TABLES = [
  'audit_events',
  'batch_import_items',
  'batch_import_runs',
  'batch_run_jobs',
  'host_leases',
  'hosts',
  'import_batches',
  'import_plans',
  'journal_entries',
  'managed_resources',
  'probe_results',
  'provider_drafts',
  'reconcile_runs',
  'schema_migrations',
  'sessions',
];

describe('openDatabase', () => {
  it('creates the directory, migrates, and turns on WAL, busy_timeout and foreign keys', () => {
    const path = join(tempDir(), 'nested', 'manager.db');
    const database = openDatabase(path);
    try {
      expect(database.migrated).toEqual(readMigrations().map((m) => m.version));
      const tables = (
        database.sqlite
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
          .all() as { name: string }[]
      ).map((row) => row.name);
      expect(tables).toEqual(EXPECTED_TABLES);
      expect(database.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(database.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(database.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      database.close();
    }
    // Reopening applies nothing twice and records each migration once.
    const again = openDatabase(path);
    try {
      expect(again.migrated).toEqual([]);
      const recorded = again.sqlite.prepare('SELECT version, name FROM schema_migrations').all();
      expect(recorded).toEqual(readMigrations().map((m) => ({ version: m.version, name: m.name })));
    } finally {
      again.close();
    }
  });

  it('stops when an applied migration was edited', () => {
    const sqlite = new Database(':memory:');
    try {
      const migrations = readMigrations();
      migrate(sqlite, migrations);
      const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
      expect(() => migrate(sqlite, edited)).toThrow(MigrationError);
    } finally {
      sqlite.close();
    }
  });

  it('accepts a corrected comment in an applied migration but not a changed statement', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '0001_a.sql'), '-- first words\nCREATE TABLE a (x INTEGER);\n');
    const sqlite = new Database(':memory:');
    try {
      expect(migrate(sqlite, readMigrations(dir))).toEqual(['0001']);
      writeFileSync(join(dir, '0001_a.sql'), '-- better words\n\n-- and more\nCREATE TABLE a (x INTEGER);\n');
      expect(migrate(sqlite, readMigrations(dir))).toEqual([]);
      writeFileSync(join(dir, '0001_a.sql'), '-- better words\nCREATE TABLE a (x INTEGER, y TEXT);\n');
      expect(() => migrate(sqlite, readMigrations(dir))).toThrow(MigrationError);
    } finally {
      sqlite.close();
    }
  });

  it('upgrades a database recorded with whole-text checksums, including the shipped ones since re-commented', () => {
    const sqlite = new Database(':memory:');
    try {
      const migrations = readMigrations();
      migrate(sqlite, migrations);
      // What the runner recorded before statement checksums: the sha256 of each file as it was shipped.
      const shipped: Record<string, string> = {
        '0001': 'c387e4c822f6993fdb6be4597fa3db80d3547cbf9b4cbdf17a572e072492b3af',
        '0002': 'cb8f6d1d4597f07772b40feab1f2132ad922443ecd14abe374c1c916f5f3a999',
      };
      const setChecksum = sqlite.prepare('UPDATE schema_migrations SET checksum = ? WHERE version = ?');
      for (const m of migrations) setChecksum.run(shipped[m.version] ?? m.rawChecksum, m.version);
      expect(migrate(sqlite, migrations)).toEqual([]);
      const recorded = sqlite
        .prepare('SELECT version, checksum FROM schema_migrations ORDER BY version')
        .all();
      expect(recorded).toEqual(migrations.map((m) => ({ version: m.version, checksum: m.checksum })));
    } finally {
      sqlite.close();
    }
  });

  it('rolls back a failing migration completely', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '0001_ok.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(dir, '0002_broken.sql'), 'CREATE TABLE b (x INTEGER); THIS IS NOT SQL;');
    const sqlite = new Database(':memory:');
    try {
      expect(() => migrate(sqlite, readMigrations(dir))).toThrow();
      const tables = (
        sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
      ).map((r) => r.name);
      expect(tables.sort()).toEqual(['a', 'schema_migrations']);
      expect(sqlite.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: '0001' }]);
    } finally {
      sqlite.close();
    }
  });

  it('has a drizzle schema that matches the SQL migrations column by column', () => {
    const database = openDatabase(':memory:');
    try {
      const tables = Object.values(schema as Record<string, unknown>).filter(
        (value): value is SQLiteTable => value instanceof SQLiteTable,
      );
      expect(tables.map((t) => getTableName(t)).sort()).toEqual(
        EXPECTED_TABLES.filter((t) => t !== 'schema_migrations'),
      );
      for (const table of tables) {
        const sqlColumns = (
          database.sqlite.prepare(`PRAGMA table_info(${getTableName(table)})`).all() as {
            name: string;
            notnull: number;
          }[]
        )
          .map((c) => `${c.name}${c.notnull ? '!' : ''}`)
          .sort();
        const drizzleColumns = Object.values(getTableColumns(table))
          .map((c) => `${c.name}${c.notNull && !c.primary ? '!' : ''}`)
          .sort();
        // SQLite reports PRIMARY KEY TEXT columns as nullable; compare with that rule.
        expect(drizzleColumns, getTableName(table)).toEqual(sqlColumns);
      }
    } finally {
      database.close();
    }
  });
});
