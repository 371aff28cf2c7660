import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { ID_PREFIX, newId } from '../../src/store/ids.ts';
import { isUniqueViolation } from '../../src/store/pg-errors.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import type { TestDatabase } from './test-databases.ts';

/**
 * One repository suite, run against every engine the gateway supports (PGlite and Postgres):
 * embedded mode and production differ only in the driver, never in behaviour.
 */
export function repositorySuite(engine: string, open: () => Promise<TestDatabase>): void {
  describe(`repositories on ${engine}`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      database = await open();
      store = createStore(database.db);
    });
    afterAll(async () => {
      await database?.close();
    });

    const user = (overrides: Partial<Parameters<Store['users']['insert']>[0]> = {}) =>
      store.users.insert({ id: newId(ID_PREFIX.user), name: 'Ada', ...overrides });
    const group = (overrides: Partial<Parameters<Store['groups']['insert']>[0]> = {}) =>
      store.groups.insert({
        id: newId(ID_PREFIX.group),
        name: `g-${newId('x')}`,
        platform: 'openai',
        ...overrides,
      });
    const account = (overrides: Partial<Parameters<Store['accounts']['insert']>[0]> = {}) =>
      store.accounts.insert({
        id: newId(ID_PREFIX.account),
        name: 'upstream',
        platform: 'openai',
        baseUrl: 'https://api.example.test/v1',
        credentialCiphertext: 'v1:x',
        credentialFingerprint: 'sk-…abcd',
        ...overrides,
      });

    it('answers ping and re-applies migrations without error', async () => {
      await database.ping();
      expect(database.kind).toBe(engine === 'PGlite' ? 'pglite' : 'postgres');
      if (database.url) {
        // A second replica starting against the same database must find nothing to do.
        const again = await openDatabase({ databaseUrl: database.url, poolSize: 1 });
        await again.close();
      }
    });

    it('stores a user with defaults and bumps version on update', async () => {
      const created = await user({ email: 'ada@example.test', balanceMicros: 12_500_000n });
      expect(created).toMatchObject({
        version: 1,
        status: 'active',
        concurrencyLimit: 10,
        rpmLimit: 0,
        labels: {},
      });
      expect(created.balanceMicros).toBe(12_500_000n);
      expect(created.id).toMatch(/^usr_[0-9a-z]{26}$/);

      const updated = await store.users.update(created.id, { name: 'Ada L.' });
      expect(updated.status).toBe('updated');
      if (updated.status !== 'updated') return;
      expect(updated.row).toMatchObject({ name: 'Ada L.', version: 2 });
      expect(updated.row.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
      expect(await store.users.get(created.id)).toMatchObject({ name: 'Ada L.', version: 2 });
    });

    it('refuses an update against a stale version and reports a missing row', async () => {
      const created = await user();
      const stale = await store.users.update(created.id, { name: 'B' }, 7);
      expect(stale).toMatchObject({ status: 'version_mismatch', current: { version: 1, name: 'Ada' } });
      const fresh = await store.users.update(created.id, { name: 'B' }, 1);
      expect(fresh).toMatchObject({ status: 'updated', row: { version: 2 } });
      expect(await store.users.update('usr_missing', { name: 'C' })).toEqual({ status: 'not_found' });
    });

    it('keeps money exact beyond 2^53 micro-USD', async () => {
      const big = 9_007_199_254_740_993n;
      const created = await user({ balanceMicros: big });
      expect((await store.users.get(created.id))?.balanceMicros).toBe(big);
      await store.users.adjustBalance(created.id, -3n);
      expect((await store.users.get(created.id))?.balanceMicros).toBe(big - 3n);
    });

    it('deletes and returns the deleted row; a second delete finds nothing', async () => {
      const created = await user();
      expect((await store.users.delete(created.id))?.id).toBe(created.id);
      expect(await store.users.delete(created.id)).toBeUndefined();
      expect(await store.users.get(created.id)).toBeUndefined();
    });

    it('pages by id with a cursor, without duplicates or gaps', async () => {
      const tag = newId('t');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await user({ labels: { page: tag } })).id);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.users.list({}, { limit: 2, cursor, labels: [{ key: 'page', value: tag }] });
        seen.push(...page.items.map((u) => u.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(seen).toEqual(ids);
      expect(pages).toBe(3);
    });

    it('selects by labels with jsonb containment (every selector must match)', async () => {
      const tag = newId('t');
      const a = await group({ labels: { owner: tag, env: 'prod' } });
      const b = await group({ labels: { owner: tag, env: 'dev' } });
      await group({ labels: { owner: 'someone-else', env: 'prod' } });
      const byOwner = await store.groups.list({}, { limit: 10, labels: [{ key: 'owner', value: tag }] });
      expect(byOwner.items.map((g) => g.id)).toEqual([a.id, b.id]);
      const both = await store.groups.list(
        {},
        {
          limit: 10,
          labels: [
            { key: 'owner', value: tag },
            { key: 'env', value: 'prod' },
          ],
        },
      );
      expect(both.items.map((g) => g.id)).toEqual([a.id]);
    });

    it('enforces a unique group name', async () => {
      const name = `unique-${newId('x')}`;
      await group({ name });
      const error = await group({ name }).catch((e: unknown) => e);
      expect(isUniqueViolation(error, 'groups_name_unique')).toBe(true);
      expect((await store.groups.getByName(name))?.name).toBe(name);
    });

    it('binds an account to a group once, and lists accounts by group', async () => {
      const g = await group();
      const a = await account();
      await account();
      await store.accountGroups.insert({ id: newId(ID_PREFIX.accountGroup), accountId: a.id, groupId: g.id });
      const duplicate = await store.accountGroups
        .insert({ id: newId(ID_PREFIX.accountGroup), accountId: a.id, groupId: g.id })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(duplicate, 'account_groups_account_group_unique')).toBe(true);
      const bound = await store.accounts.list({ groupId: g.id }, { limit: 10 });
      expect(bound.items.map((x) => x.id)).toEqual([a.id]);
      expect((await store.accountGroups.listAll({ groupId: g.id })).map((b) => b.accountId)).toEqual([a.id]);
    });

    it('puts a group in at most one channel', async () => {
      const g = await group();
      const c1 = await store.channels.insert({ id: newId(ID_PREFIX.channel), name: 'c1' });
      const c2 = await store.channels.insert({ id: newId(ID_PREFIX.channel), name: 'c2' });
      await store.channelGroups.insert({
        id: newId(ID_PREFIX.channelGroup),
        channelId: c1.id,
        groupId: g.id,
      });
      const second = await store.channelGroups
        .insert({ id: newId(ID_PREFIX.channelGroup), channelId: c2.id, groupId: g.id })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(second, 'channel_groups_group_unique')).toBe(true);
    });

    it('keeps one price per (channel, model), including one global price per model', async () => {
      const model = `m-${newId('x')}`;
      await store.prices.insert({ id: newId(ID_PREFIX.price), model, inputMicros: 1_000_000n });
      const again = await store.prices
        .insert({ id: newId(ID_PREFIX.price), model, inputMicros: 2_000_000n })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(again, 'prices_channel_model_unique')).toBe(true);
      const c = await store.channels.insert({ id: newId(ID_PREFIX.channel), name: 'priced' });
      await store.prices.insert({
        id: newId(ID_PREFIX.price),
        model,
        channelId: c.id,
        inputMicros: 3_000_000n,
      });
      expect((await store.prices.listAll({ model, channelId: null })).map((p) => p.inputMicros)).toEqual([
        1_000_000n,
      ]);
      expect((await store.prices.listAll({ model, channelId: c.id })).map((p) => p.inputMicros)).toEqual([
        3_000_000n,
      ]);
    });

    it('finds an api key by its hash, which is unique', async () => {
      const u = await user();
      const g = await group();
      const keyHash = newId('h');
      const key = await store.apiKeys.insert({
        id: newId(ID_PREFIX.apiKey),
        userId: u.id,
        groupId: g.id,
        name: 'k',
        keyPrefix: 'sk-relay-abcd',
        keyHash,
      });
      expect((await store.apiKeys.getByHash(keyHash))?.id).toBe(key.id);
      const clash = await store.apiKeys
        .insert({
          id: newId(ID_PREFIX.apiKey),
          userId: u.id,
          groupId: g.id,
          name: 'k2',
          keyPrefix: 'x',
          keyHash,
        })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(clash, 'api_keys_key_hash_unique')).toBe(true);
      expect(await store.apiKeys.countByGroup(g.id)).toBe(1);
    });

    it('rolls a transaction back entirely when it throws', async () => {
      const name = `tx-${newId('x')}`;
      await expect(
        store.transaction(async (tx) => {
          await tx.groups.insert({ id: newId(ID_PREFIX.group), name, platform: 'openai' });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.groups.getByName(name)).toBeUndefined();
    });

    it('records a usage event once per request id and summarises usage', async () => {
      const requestId = newId('req');
      const event = {
        requestId,
        apiKeyId: 'key_a',
        userId: 'usr_a',
        groupId: `grp_${newId('x')}`,
        accountId: 'acc_a',
        endpoint: '/v1/chat/completions',
        modelRequested: 'gpt-x',
        statusCode: 200,
        promptTokens: 10,
        completionTokens: 5,
        costMicros: 1_500n,
        chargedMicros: 3_000n,
      };
      expect(await store.usageEvents.insertNew([event])).toHaveLength(1);
      expect(await store.usageEvents.insertNew([event])).toHaveLength(0);
      // A lone surrogate from a client's model name is stored as U+FFFD, as a bound parameter would be.
      const odd = {
        ...event,
        requestId: newId('req'),
        groupId: `grp_${newId('x')}`,
        modelRequested: 'm\uD800x',
      };
      expect(await store.usageEvents.insertNew([odd])).toEqual([{ requestId: odd.requestId }]);
      expect(await store.usageEvents.getByRequestId(odd.requestId)).toMatchObject({
        modelRequested: 'm\uFFFDx',
        translatedFrom: null,
      });
      const translated = {
        ...event,
        requestId: newId('req'),
        groupId: odd.groupId,
        translatedFrom: 'messages',
      };
      await store.usageEvents.insertNew([translated]);
      expect((await store.usageEvents.getByRequestId(translated.requestId))?.translatedFrom).toBe('messages');
      await store.usageEvents.insertNew([{ ...event, requestId: newId('req'), modelRequested: 'gpt-y' }]);
      await store.usageEvents.insertNew([{ ...event, requestId: newId('req') }]);

      const summary = await store.usageEvents.summary({ groupId: event.groupId }, 'model');
      expect(summary).toEqual([
        {
          key: 'gpt-x',
          requests: 2,
          promptTokens: 20,
          completionTokens: 10,
          cachedTokens: 0,
          costMicros: 3_000n,
          chargedMicros: 6_000n,
        },
        expect.objectContaining({ key: 'gpt-y', requests: 1 }),
      ]);
      const page = await store.usageEvents.list({ groupId: event.groupId }, { limit: 2 });
      expect(page.items).toHaveLength(2);
      // Newest first.
      expect(page.items[0]?.modelRequested).toBe('gpt-x');
      expect(page.nextCursor).not.toBeNull();
      expect((await store.usageEvents.getByRequestId(requestId))?.chargedMicros).toBe(3_000n);
    });

    it('lets exactly one of two concurrent claims of an idempotency key win', async () => {
      const key = newId('idem');
      const [a, b] = await Promise.all([
        store.idempotency.claim(key, 'hash-1', 60),
        store.idempotency.claim(key, 'hash-1', 60),
      ]);
      expect([a.status, b.status].sort()).toEqual(['claimed', 'exists']);
      await store.idempotency.complete(key, 201, 'body');
      expect(await store.idempotency.get(key)).toMatchObject({ state: 'completed', responseStatus: 201 });
      await store.idempotency.release(key);
      // A completed record is not released: only an in-progress claim is.
      expect(await store.idempotency.get(key)).toBeDefined();
    });

    it('treats an expired idempotency record as absent', async () => {
      const key = newId('idem');
      expect(await store.idempotency.claim(key, 'h', 0)).toEqual({ status: 'claimed' });
      expect(await store.idempotency.get(key)).toBeUndefined();
      expect(await store.idempotency.claim(key, 'other', 60)).toEqual({ status: 'claimed' });
      await store.idempotency.purgeExpired();
      expect((await store.idempotency.get(key))?.requestHash).toBe('other');
    });

    it('accumulates subscription usage in windows that restart when they expire', async () => {
      const u = await user();
      const g = await group({ billingMode: 'subscription' });
      const now = new Date();
      const sub = await store.subscriptions.insert({
        id: newId(ID_PREFIX.subscription),
        userId: u.id,
        groupId: g.id,
        startsAt: new Date(now.getTime() - 1000),
        expiresAt: new Date(now.getTime() + 86_400_000),
        dailyUsedMicros: 900n,
        dailyWindowStart: new Date(now.getTime() - 2 * 86_400_000),
        weeklyUsedMicros: 900n,
        weeklyWindowStart: new Date(now.getTime() - 2 * 86_400_000),
      });
      await store.subscriptions.addUsage(sub.id, 100n);
      const after = await store.subscriptions.get(sub.id);
      expect(after?.dailyUsedMicros).toBe(100n); // the 2-day-old daily window restarted
      expect(after?.weeklyUsedMicros).toBe(1_000n); // the weekly window still runs
      expect(after?.monthlyUsedMicros).toBe(100n); // first charge opens the window
      expect((await store.subscriptions.findActive(u.id, g.id, now))?.id).toBe(sub.id);
      expect(
        await store.subscriptions.findActive(u.id, g.id, new Date(now.getTime() + 2 * 86_400_000)),
      ).toBeUndefined();
    });

    it('records audit events and lists them newest first with filters', async () => {
      const resourceId = newId(ID_PREFIX.group);
      await store.auditEvents.record({
        actor: 'admin',
        action: 'create',
        resourceType: 'groups',
        resourceId,
      });
      await store.auditEvents.record({
        actor: 'admin',
        action: 'update',
        resourceType: 'groups',
        resourceId,
      });
      const page = await store.auditEvents.list({ resourceId }, { limit: 10 });
      expect(page.items.map((e) => e.action)).toEqual(['update', 'create']);
      expect(page.items[0]?.id).toMatch(/^aud_/);
    });
  });
}
