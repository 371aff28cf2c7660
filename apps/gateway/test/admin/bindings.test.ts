import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminHarness, apiError, startAdminHarness } from './admin-harness.ts';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdminHarness();
});
afterAll(async () => h?.close());

let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

async function boundGroup() {
  const group = await h.client.groups.create({ name: unique('g'), platform: 'openai' });
  const accounts = await Promise.all(
    [1, 2].map((i) =>
      h.client.accounts.create({
        name: `a${i}`,
        platform: 'openai',
        base_url: 'https://upstream.example.test/v1',
        credential: `sk-binding-test-credential-${i}`,
      }),
    ),
  );
  const bindings = [];
  for (const a of accounts)
    bindings.push(await h.client.accountGroups.create({ account_id: a.id, group_id: group.id }));
  const channel = await h.client.channels.create({ name: unique('c') });
  const channelBinding = await h.client.channelGroups.create({ channel_id: channel.id, group_id: group.id });
  return { group, accounts, bindings, channel, channelBinding };
}

describe('deleting bound resources', () => {
  it('refuses to delete a group with bindings (409 HAS_BINDINGS naming them) and changes nothing', async () => {
    const { group, bindings, channelBinding } = await boundGroup();
    const error = await apiError(h.client.groups.delete(group.id));
    expect(error).toMatchObject({ status: 409, code: 'HAS_BINDINGS' });
    expect((error.details as { bindings: { id: string }[] }).bindings.map((b) => b.id).sort()).toEqual(
      [...bindings.map((b) => b.id), channelBinding.id].sort(),
    );
    expect((await h.client.groups.get(group.id)).id).toBe(group.id);
    expect((await h.client.accountGroups.list({ group_id: group.id })).items).toHaveLength(2);
  });

  it('with ?cascade=true deletes the group and its bindings, each with its own audit event', async () => {
    const { group, accounts, bindings, channelBinding } = await boundGroup();
    const res = await h.client.raw('DELETE', `/admin/v1/groups/${group.id}`, { query: { cascade: 'true' } });
    expect(res.status).toBe(204);
    const requestId = res.headers['x-request-id'];

    expect(await apiError(h.client.groups.get(group.id))).toMatchObject({ code: 'NOT_FOUND' });
    expect((await h.client.accountGroups.list({ group_id: group.id })).items).toEqual([]);
    expect((await h.client.channelGroups.list({ group_id: group.id })).items).toEqual([]);
    // The accounts themselves stay.
    for (const a of accounts) expect((await h.client.accounts.get(a.id)).id).toBe(a.id);

    const events = await h.client.auditEvents.listAll({ request_id: requestId });
    const deleted = events.map((e) => `${e.action} ${e.resource_type} ${e.resource_id}`).sort();
    expect(deleted).toEqual(
      [
        ...bindings.map((b) => `delete account-groups ${b.id}`),
        `delete channel-groups ${channelBinding.id}`,
        `delete groups ${group.id}`,
      ].sort(),
    );
    const bindingEvent = events.find((e) => e.resource_id === bindings[0]?.id);
    expect(bindingEvent).toMatchObject({
      before: { account_id: accounts[0]?.id, group_id: group.id },
      after: null,
    });
  });

  it('refuses to delete an account with bindings unless cascade', async () => {
    const { accounts, group } = await boundGroup();
    const account = accounts[0];
    if (!account) throw new Error('fixture');
    expect(await apiError(h.client.accounts.delete(account.id))).toMatchObject({
      status: 409,
      code: 'HAS_BINDINGS',
    });
    await h.client.accounts.delete(account.id, { cascade: true });
    expect(
      (await h.client.accountGroups.list({ group_id: group.id })).items.map((b) => b.account_id),
    ).toEqual([accounts[1]?.id]);
  });

  it('deletes a channel with cascade together with its group bindings and prices', async () => {
    const { channel, channelBinding } = await boundGroup();
    const price = await h.client.prices.create({
      model: 'm',
      channel_id: channel.id,
      input: '1',
      output: '2',
    });
    expect(await apiError(h.client.channels.delete(channel.id))).toMatchObject({ code: 'HAS_BINDINGS' });
    await h.client.channels.delete(channel.id, { cascade: true });
    expect(await apiError(h.client.channelGroups.get(channelBinding.id))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await apiError(h.client.prices.get(price.id))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('never cascades into api keys: a group still used by keys answers 409 CONFLICT', async () => {
    const group = await h.client.groups.create({ name: unique('g'), platform: 'openai' });
    const user = await h.client.users.create({ name: 'owner' });
    await h.client.apiKeys.create({ name: 'k', user_id: user.id, group_id: group.id });
    expect(await apiError(h.client.groups.delete(group.id, { cascade: true }))).toMatchObject({
      status: 409,
      code: 'CONFLICT',
      details: { blockers: [{ type: 'api-keys', count: 1 }] },
    });
    expect(await apiError(h.client.users.delete(user.id))).toMatchObject({ status: 409, code: 'CONFLICT' });
  });

  it('deletes an unbound group without cascade', async () => {
    const group = await h.client.groups.create({ name: unique('g'), platform: 'openai' });
    await h.client.groups.delete(group.id);
    expect(await apiError(h.client.groups.get(group.id))).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('binding rules', () => {
  it('binds an account to a group once (409 ALREADY_EXISTS)', async () => {
    const { accounts, group } = await boundGroup();
    expect(
      await apiError(
        h.client.accountGroups.create({ account_id: accounts[0]?.id ?? '', group_id: group.id }),
      ),
    ).toMatchObject({ status: 409, code: 'ALREADY_EXISTS' });
  });

  it('refuses binding an account of another platform (it could never route)', async () => {
    const group = await h.client.groups.create({ name: unique('g'), platform: 'anthropic' });
    const account = await h.client.accounts.create({
      name: 'oa',
      platform: 'openai',
      base_url: 'https://upstream.example.test/v1',
      credential: 'sk-platform-mismatch-0000',
    });
    expect(
      await apiError(h.client.accountGroups.create({ account_id: account.id, group_id: group.id })),
    ).toMatchObject({
      status: 409,
      code: 'CONFLICT',
    });
  });

  it('puts a group in at most one channel', async () => {
    const { group, channel } = await boundGroup();
    const other = await h.client.channels.create({ name: unique('c') });
    expect(
      await apiError(h.client.channelGroups.create({ channel_id: other.id, group_id: group.id })),
    ).toMatchObject({
      status: 409,
      code: 'CONFLICT',
    });
    expect(
      await apiError(h.client.channelGroups.create({ channel_id: channel.id, group_id: group.id })),
    ).toMatchObject({
      status: 409,
      code: 'ALREADY_EXISTS',
    });
  });

  it('keeps one price per model and channel', async () => {
    const model = unique('m');
    await h.client.prices.create({ model, input: '1', output: '1' });
    expect(await apiError(h.client.prices.create({ model, input: '2', output: '2' }))).toMatchObject({
      status: 409,
      code: 'ALREADY_EXISTS',
    });
    expect((await h.client.prices.list({ model, channel_id: 'global' })).items).toHaveLength(1);
  });

  it('resolves a race between two bindings of the same pair with one 409', async () => {
    const group = await h.client.groups.create({ name: unique('g'), platform: 'openai' });
    const account = await h.client.accounts.create({
      name: 'race',
      platform: 'openai',
      base_url: 'https://upstream.example.test/v1',
      credential: 'sk-race-credential-0000',
    });
    const results = await Promise.allSettled([
      h.client.accountGroups.create({ account_id: account.id, group_id: group.id }),
      h.client.accountGroups.create({ account_id: account.id, group_id: group.id }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ status: 409, code: 'ALREADY_EXISTS' });
  });
});

describe('audit events', () => {
  it('records create, update and delete with before/after snapshots, newest first', async () => {
    const user = await h.client.users.create({ name: 'audited' });
    await h.client.users.update(user.id, { name: 'audited-2' });
    await h.client.users.delete(user.id);
    const events = (await h.client.auditEvents.list({ resource_id: user.id })).items;
    expect(events.map((e) => e.action)).toEqual(['delete', 'update', 'create']);
    expect(events[1]).toMatchObject({
      actor: 'admin-token',
      resource_type: 'users',
      before: { name: 'audited', version: 1 },
      after: { name: 'audited-2', version: 2 },
      request_id: expect.any(String),
    });
    expect(await apiError(h.client.auditEvents.list({ since: 'yesterday' }))).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await apiError(h.badClient.auditEvents.list())).toMatchObject({ status: 401 });
  });

  it('records the actor named by X-Admin-Actor', async () => {
    const res = await h.client.raw('POST', '/admin/v1/users', {
      body: { name: 'by-manager' },
      headers: { 'x-admin-actor': 'relay-manager' },
    });
    const id = (res.body as { id: string }).id;
    expect((await h.client.auditEvents.list({ resource_id: id })).items[0]?.actor).toBe('relay-manager');
  });
});
