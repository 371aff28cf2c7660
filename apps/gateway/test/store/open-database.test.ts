import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { ID_PREFIX, newId } from '../../src/store/ids.ts';
import { createStore } from '../../src/store/store.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'relay-gateway-data-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('openDatabase in embedded mode', () => {
  it('keeps data in <dataDir>/pg across restarts and re-runs migrations safely', async () => {
    const externalBefore = process.memoryUsage().external;
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe('pglite');
    // The cluster was created in a child process: this process holds only the running engine
    // (in-process initdb and migrations leave ~700 MB of WebAssembly memory behind).
    const grownMb = (process.memoryUsage().external - externalBefore) / 1048576;
    console.log(`[figure] embedded database open, engine memory in this process: ${grownMb.toFixed(0)} MB`);
    expect(grownMb).toBeLessThan(250);
    const settings = (await first.db.execute(
      sql`select setting from pg_settings where name = 'shared_buffers'`,
    )) as unknown as { rows: unknown[] };
    expect(settings.rows[0]).toMatchObject({ setting: '1024' }); // 8 MB in 8 kB pages
    const id = newId(ID_PREFIX.user);
    await createStore(first.db).users.insert({ id, name: 'persisted' });
    await first.close();
    expect(existsSync(join(dataDir, 'pg'))).toBe(true);

    const second = await openDatabase({ dataDir });
    await second.ping();
    expect((await createStore(second.db).users.get(id))?.name).toBe('persisted');
    await second.close();
    // Creating a cluster (initdb) is seconds of CPU; on a loaded 2-core machine it took up to 28 s.
  }, 120_000);

  it('needs a data dir when no DATABASE_URL is given', async () => {
    await expect(openDatabase({})).rejects.toThrow(/dataDir/);
  });
});

describe('newId', () => {
  it('issues prefixed ids that sort by creation, with ≥80 random bits', () => {
    const ids = Array.from({ length: 1000 }, () => newId('grp'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^grp_[0-9a-hjkmnp-tv-z]{26}$/);
  });
});
