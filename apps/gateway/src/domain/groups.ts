import type { Group, GroupCreate, GroupListQuery, GroupUpdate } from '@relay/schemas';
import { type GroupInsert, type GroupRow, ID_PREFIX, newId } from '../store/index.ts';
import { pageRequestOf } from './crud.ts';
import { toMicros, toMicrosOrNull } from './money.ts';
import { presentAccountGroup, presentChannelGroup, presentGroup } from './present.ts';
import type { DependentBinding, ResourceDefinition } from './resource-definition.ts';

export const groupResource: ResourceDefinition<
  GroupRow,
  GroupInsert,
  Group,
  GroupCreate,
  GroupUpdate,
  GroupListQuery
> = {
  type: 'groups',
  noun: 'group',
  repository: (store) => store.groups,
  present: presentGroup,
  insert: (tx, input) =>
    tx.groups.insert({
      id: newId(ID_PREFIX.group),
      name: input.name,
      platform: input.platform,
      status: input.status,
      billingMode: input.billing_mode,
      rateMultiplierMicros: toMicros(input.rate_multiplier, 'rate_multiplier'),
      rpmLimit: input.rpm_limit,
      tpmLimit: input.tpm_limit,
      dailyLimitMicros: toMicrosOrNull(input.daily_limit_usd, 'daily_limit_usd'),
      weeklyLimitMicros: toMicrosOrNull(input.weekly_limit_usd, 'weekly_limit_usd'),
      monthlyLimitMicros: toMicrosOrNull(input.monthly_limit_usd, 'monthly_limit_usd'),
      modelAliases: input.model_aliases,
      labels: input.labels,
    }),
  patch: async (_tx, _before, input) => {
    const patch: Partial<GroupInsert> = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.status !== undefined) patch.status = input.status;
    if (input.billing_mode !== undefined) patch.billingMode = input.billing_mode;
    if (input.rate_multiplier !== undefined)
      patch.rateMultiplierMicros = toMicros(input.rate_multiplier, 'rate_multiplier');
    if (input.rpm_limit !== undefined) patch.rpmLimit = input.rpm_limit;
    if (input.tpm_limit !== undefined) patch.tpmLimit = input.tpm_limit;
    if (input.daily_limit_usd !== undefined)
      patch.dailyLimitMicros = toMicrosOrNull(input.daily_limit_usd, 'daily_limit_usd');
    if (input.weekly_limit_usd !== undefined)
      patch.weeklyLimitMicros = toMicrosOrNull(input.weekly_limit_usd, 'weekly_limit_usd');
    if (input.monthly_limit_usd !== undefined)
      patch.monthlyLimitMicros = toMicrosOrNull(input.monthly_limit_usd, 'monthly_limit_usd');
    if (input.model_aliases !== undefined) patch.modelAliases = input.model_aliases;
    if (input.labels !== undefined) patch.labels = input.labels;
    return patch;
  },
  list: (store, query) =>
    store.groups.list(
      { platform: query.platform, status: query.status, billingMode: query.billing_mode, name: query.name },
      pageRequestOf(query),
    ),
  /** Account and channel bindings cascade; api keys and subscriptions belong to users and block. */
  dependents: async (tx, row) => {
    const accountBindings = await tx.accountGroups.listAll({ groupId: row.id });
    const channelBindings = await tx.channelGroups.listAll({ groupId: row.id });
    const bindings: DependentBinding[] = [
      ...accountBindings.map((b) => ({
        type: 'account-groups' as const,
        id: b.id,
        snapshot: presentAccountGroup(b),
        remove: async (t: typeof tx) => void (await t.accountGroups.delete(b.id)),
      })),
      ...channelBindings.map((b) => ({
        type: 'channel-groups' as const,
        id: b.id,
        snapshot: presentChannelGroup(b),
        remove: async (t: typeof tx) => void (await t.channelGroups.delete(b.id)),
      })),
    ];
    const blockers = [
      { type: 'api-keys', count: await tx.apiKeys.countByGroup(row.id) },
      { type: 'subscriptions', count: (await tx.subscriptions.listAll({ groupId: row.id })).length },
    ].filter((b) => b.count > 0);
    return { bindings, blockers };
  },
};
