import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { ID_PREFIX, newId } from '../../src/store/ids.ts';
import { createStore } from '../../src/store/store.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'relay-gateway-data-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('openDatabase in embedded mode', () => {
  it('keeps data in <dataDir>/pg across restarts and re-runs migrations safely', async () => {
    const first = await openDatabase({ dataDir });
    expect(first.kind).toBe('pglite');
    const id = newId(ID_PREFIX.user);
    await createStore(first.db).users.insert({ id, name: 'persisted' });
    await first.close();
    expect(existsSync(join(dataDir, 'pg'))).toBe(true);

    const second = await openDatabase({ dataDir });
    await second.ping();
    expect((await createStore(second.db).users.get(id))?.name).toBe('persisted');
    await second.close();
  });

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
