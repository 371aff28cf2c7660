import { describe, expect, it } from 'vitest';
import {
  evaluateAccess,
  resolveModel,
  type SnapshotAccount,
  type SnapshotChannel,
  type SnapshotGroup,
} from '../src/index.ts';
import {
  account,
  at,
  binding,
  channel,
  channelBinding,
  get,
  HOUR,
  healthyWorld,
  NOW,
  price,
} from './fixtures.ts';

interface ModelRow {
  name: string;
  group?: Partial<SnapshotGroup>;
  channel?: Partial<SnapshotChannel>;
  account?: Partial<SnapshotAccount>;
  requested: string;
  upstream: string | null;
}

const MODEL_ROWS: ModelRow[] = [
  { name: 'no aliases or mappings: the requested name', requested: 'gpt-5.4', upstream: 'gpt-5.4' },
  {
    name: 'group alias',
    group: { model_aliases: { fast: 'gpt-5.4-mini' } },
    requested: 'fast',
    upstream: 'gpt-5.4-mini',
  },
  {
    name: 'channel mapping applies to the aliased name',
    group: { model_aliases: { fast: 'gpt-5.4-mini' } },
    channel: { model_mapping: { 'gpt-5.4-mini': 'deepseek-chat', fast: 'wrong' } },
    requested: 'fast',
    upstream: 'deepseek-chat',
  },
  {
    name: 'a disabled channel maps nothing',
    channel: { status: 'disabled', model_mapping: { 'gpt-5.4': 'deepseek-chat' } },
    requested: 'gpt-5.4',
    upstream: 'gpt-5.4',
  },
  {
    name: 'account mapping applies last, to the channel-mapped name',
    channel: { model_mapping: { 'gpt-5.4': 'deepseek-chat' } },
    account: { model_mapping: { 'deepseek-chat': 'deepseek-v4', 'gpt-5.4': 'wrong' } },
    requested: 'gpt-5.4',
    upstream: 'deepseek-v4',
  },
  {
    name: 'each step is one lookup, never chained within a step',
    account: { model_mapping: { a: 'b', b: 'c' } },
    requested: 'a',
    upstream: 'b',
  },
  {
    name: 'allowlist holds the upstream id',
    account: { models: ['deepseek-v4'], model_mapping: { 'gpt-5.4': 'deepseek-v4' } },
    requested: 'gpt-5.4',
    upstream: 'deepseek-v4',
  },
  {
    name: 'allowlist without the upstream id',
    account: { models: ['gpt-5.4'], model_mapping: { 'gpt-5.4': 'deepseek-v4' } },
    requested: 'gpt-5.4',
    upstream: null,
  },
  { name: 'allowlist without the model', account: { models: ['o3'] }, requested: 'gpt-5.4', upstream: null },
  {
    name: 'an empty allowlist serves any model',
    account: { models: [] },
    requested: 'anything',
    upstream: 'anything',
  },
  { name: 'a null allowlist serves any model', account: { models: null }, requested: 'x', upstream: 'x' },
  {
    name: 'names are case-sensitive',
    account: { models: ['GPT-5.4'] },
    requested: 'gpt-5.4',
    upstream: null,
  },
  {
    name: 'inherited object keys are not mappings',
    account: { models: ['constructor', 'toString'] },
    requested: 'constructor',
    upstream: 'constructor',
  },
];

describe('resolveModel: aliases → channel mapping → account mapping → allowlist', () => {
  it.each(MODEL_ROWS)('$name', (row) => {
    const w = healthyWorld();
    Object.assign(get(w.groups, 'grp_1'), row.group ?? {});
    Object.assign(get(w.accounts, 'acc_1'), row.account ?? {});
    if (row.channel) {
      w.channels.push(channel(row.channel));
      w.channelGroups.push(channelBinding('chn_1', 'grp_1'));
    }
    expect(resolveModel(w, get(w.groups, 'grp_1'), get(w.accounts, 'acc_1'), row.requested)).toBe(
      row.upstream,
    );
  });

  it("ignores another group's channel", () => {
    const w = healthyWorld();
    w.channels.push(channel({ model_mapping: { 'gpt-5.4': 'deepseek-chat' } }));
    w.channelGroups.push(channelBinding('chn_1', 'grp_other'));
    expect(resolveModel(w, get(w.groups, 'grp_1'), get(w.accounts, 'acc_1'), 'gpt-5.4')).toBe('gpt-5.4');
  });
});

describe('evaluateAccess: model links', () => {
  it('channel restriction checks the aliased name against channel prices only', () => {
    const w = healthyWorld();
    get(w.groups, 'grp_1').model_aliases = { fast: 'gpt-5.4-mini' };
    w.channels.push(channel({ restrict_models: true }));
    w.channelGroups.push(channelBinding('chn_1', 'grp_1'));
    w.prices.push(price('gpt-5.4-mini', 'chn_1'), price('o3'), price('o3', 'chn_other'));
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'fast' }, NOW)).toMatchObject({
      ok: true,
      channel_id: 'chn_1',
      candidates: [{ upstream_model: 'gpt-5.4-mini' }],
    });
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'o3' }, NOW)).toMatchObject({
      reason: 'CHANNEL_RESTRICTS_MODEL',
      category: 'model',
    });
  });

  it('a channel that does not restrict lets unpriced models through', () => {
    const w = healthyWorld();
    w.channels.push(channel({ restrict_models: false }));
    w.channelGroups.push(channelBinding('chn_1', 'grp_1'));
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'o3' }, NOW).ok).toBe(true);
  });

  it('a disabled restricting channel does not restrict', () => {
    const w = healthyWorld();
    w.channels.push(channel({ restrict_models: true, status: 'disabled' }));
    w.channelGroups.push(channelBinding('chn_1', 'grp_1'));
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'o3' }, NOW)).toMatchObject({
      ok: true,
      channel_id: null,
    });
  });

  it('key allowed_models check the requested (public) name', () => {
    const w = healthyWorld();
    get(w.groups, 'grp_1').model_aliases = { fast: 'gpt-5.4-mini' };
    get(w.apiKeys, 'key_1').allowed_models = ['fast'];
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'fast' }, NOW).ok).toBe(true);
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'gpt-5.4-mini' }, NOW)).toMatchObject({
      reason: 'KEY_MODEL_NOT_ALLOWED',
    });
  });

  it('the only account serving the model cooling down is a 503 cause, not an unknown model', () => {
    const w = healthyWorld();
    get(w.accounts, 'acc_1').models = ['deepseek-chat'];
    w.accounts.push(account({ id: 'acc_2', models: ['gpt-5.4'], cooldown_until: at(HOUR) }));
    w.accountGroups.push(binding('acc_2', 'grp_1'));
    const result = evaluateAccess(w, { api_key_id: 'key_1', model: 'gpt-5.4' }, NOW);
    expect(result).toEqual({
      ok: false,
      reason: 'ALL_ACCOUNTS_COOLING_DOWN',
      category: 'routing',
      model: 'gpt-5.4',
      ids: { group_id: 'grp_1', account_ids: ['acc_2'] },
      message: `every account of group grp_1 that serves model gpt-5.4 is cooling down (acc_2 cools down until ${at(HOUR)}; retry after ${at(HOUR)} or clear a cooldown)`,
    });
  });

  it('the only account serving the model disabled is a 503 cause, not an unknown model', () => {
    const w = healthyWorld();
    get(w.accounts, 'acc_1').models = ['deepseek-chat'];
    w.accounts.push(account({ id: 'acc_2', models: ['gpt-5.4'], schedulable: false }));
    w.accountGroups.push(binding('acc_2', 'grp_1'));
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'gpt-5.4' }, NOW)).toMatchObject({
      reason: 'NO_ACTIVE_ACCOUNTS',
      category: 'routing',
      ids: { group_id: 'grp_1', account_ids: ['acc_2'] },
      message:
        'no active schedulable account of group grp_1 serves model gpt-5.4 (acc_2 is not schedulable; enable the account or make it schedulable)',
    });
  });

  it('an account on another platform never counts as serving the model', () => {
    const w = healthyWorld();
    get(w.accounts, 'acc_1').models = ['deepseek-chat'];
    w.accounts.push(account({ id: 'acc_2', platform: 'anthropic' }));
    w.accountGroups.push(binding('acc_2', 'grp_1'));
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'gpt-5.4' }, NOW)).toMatchObject({
      reason: 'NO_ACCOUNT_SERVES_MODEL',
      category: 'model',
    });
  });

  it('a disabled account on another platform does not count as serving the model either', () => {
    const w = healthyWorld();
    get(w.accounts, 'acc_1').models = ['deepseek-chat'];
    w.accounts.push(account({ id: 'acc_2', platform: 'anthropic', status: 'disabled' }));
    w.accountGroups.push(binding('acc_2', 'grp_1'));
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'gpt-5.4' }, NOW)).toMatchObject({
      reason: 'NO_ACCOUNT_SERVES_MODEL',
    });
  });

  it('a model the channel prices but no account serves is a routing problem', () => {
    const w = healthyWorld();
    get(w.accounts, 'acc_1').models = ['deepseek-chat'];
    w.channels.push(channel());
    w.channelGroups.push(channelBinding('chn_1', 'grp_1'));
    w.prices.push(price('gpt-5.4', 'chn_1'));
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'gpt-5.4' }, NOW)).toMatchObject({
      reason: 'NO_ACCOUNT_SERVES_MODEL',
      category: 'routing',
    });
  });

  it('with every account cooling, the cooldown is reported whatever the model', () => {
    const w = healthyWorld();
    Object.assign(get(w.accounts, 'acc_1'), { models: ['deepseek-chat'], cooldown_until: at(HOUR) });
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'gpt-5.4' }, NOW)).toMatchObject({
      reason: 'ALL_ACCOUNTS_COOLING_DOWN',
      message: `all accounts of group grp_1 are cooling down (acc_1 cools down until ${at(HOUR)}; retry after ${at(HOUR)} or clear a cooldown)`,
    });
  });

  it('with no active account at all, the answer is NO_ACTIVE_ACCOUNTS whatever the model', () => {
    const w = healthyWorld();
    Object.assign(get(w.accounts, 'acc_1'), { models: ['deepseek-chat'], status: 'disabled' });
    expect(evaluateAccess(w, { api_key_id: 'key_1', model: 'unknown' }, NOW)).toMatchObject({
      reason: 'NO_ACTIVE_ACCOUNTS',
      category: 'routing',
    });
  });
});
