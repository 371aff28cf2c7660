import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_PREFIX, newId } from '../../src/store/ids.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { LastUsedWriter } from '../../src/usage/index.ts';
import { openPgliteTestDatabase, type TestDatabase } from '../store/test-databases.ts';
import { captureLogger, seedTenant } from './usage-fixtures.ts';

describe('LastUsedWriter', () => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    store = createStore(database.db);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('writes the latest use of each key once per flush, never once per request', async () => {
    const a = await seedTenant(store);
    const b = await seedTenant(store);
    const writer = new LastUsedWriter({ store, logger: captureLogger().logger, flushIntervalMs: 3_600_000 });
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 200; i += 1)
      writer.touch(i % 2 === 0 ? a.apiKeyId : b.apiKeyId, null, new Date(base + i));
    expect((await store.apiKeys.get(a.apiKeyId))?.lastUsedAt ?? null).toBeNull();

    await writer.flush();
    expect(writer.writes).toBe(2);
    expect((await store.apiKeys.get(a.apiKeyId))?.lastUsedAt?.toISOString()).toBe(
      new Date(base + 198).toISOString(),
    );
    expect((await store.apiKeys.get(b.apiKeyId))?.lastUsedAt?.toISOString()).toBe(
      new Date(base + 199).toISOString(),
    );

    // Nothing new: a flush writes nothing; an older time than one already pending never wins.
    await writer.flush();
    expect(writer.writes).toBe(2);
    writer.touch(a.apiKeyId, null, new Date(base + 500));
    writer.touch(a.apiKeyId, null, new Date(base + 300));
    await writer.close();
    expect(writer.writes).toBe(3);
    expect((await store.apiKeys.get(a.apiKeyId))?.lastUsedAt?.toISOString()).toBe(
      new Date(base + 500).toISOString(),
    );
  });

  it('marks the upstream account that served the request', async () => {
    const tenant = await seedTenant(store);
    const account = await store.accounts.insert({
      id: newId(ID_PREFIX.account),
      name: 'upstream',
      platform: 'openai',
      baseUrl: 'https://api.example.test/v1',
      credentialCiphertext: 'v1:x',
      credentialFingerprint: 'sk-…abcd',
    });
    const writer = new LastUsedWriter({ store, logger: captureLogger().logger, flushIntervalMs: 3_600_000 });
    const at = new Date('2026-02-01T00:00:00Z');
    for (let i = 0; i < 50; i += 1) writer.touch(tenant.apiKeyId, account.id, at);
    await writer.close();
    expect(writer.writes).toBe(2);
    expect((await store.accounts.get(account.id))?.lastUsedAt?.toISOString()).toBe(at.toISOString());
  });
});
