import type { User, UserCreate, UserListQuery, UserUpdate } from '@relay/schemas';
import { ID_PREFIX, newId, type UserInsert, type UserRow } from '../store/index.ts';
import { pageRequestOf } from './crud.ts';
import { toMicros } from './money.ts';
import { presentUser } from './present.ts';
import type { ResourceDefinition } from './resource-definition.ts';

export const userResource: ResourceDefinition<
  UserRow,
  UserInsert,
  User,
  UserCreate,
  UserUpdate,
  UserListQuery
> = {
  type: 'users',
  noun: 'user',
  repository: (store) => store.users,
  present: presentUser,
  insert: (tx, input) =>
    tx.users.insert({
      id: newId(ID_PREFIX.user),
      name: input.name,
      email: input.email,
      status: input.status,
      balanceMicros: toMicros(input.balance_usd, 'balance_usd'),
      concurrencyLimit: input.concurrency_limit,
      rpmLimit: input.rpm_limit,
      labels: input.labels,
    }),
  patch: async (_tx, _before, input) => {
    const patch: Partial<UserInsert> = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.email !== undefined) patch.email = input.email;
    if (input.status !== undefined) patch.status = input.status;
    if (input.balance_usd !== undefined) patch.balanceMicros = toMicros(input.balance_usd, 'balance_usd');
    if (input.concurrency_limit !== undefined) patch.concurrencyLimit = input.concurrency_limit;
    if (input.rpm_limit !== undefined) patch.rpmLimit = input.rpm_limit;
    if (input.labels !== undefined) patch.labels = input.labels;
    return patch;
  },
  list: (store, query) =>
    store.users.list({ status: query.status, email: query.email, name: query.name }, pageRequestOf(query)),
  dependents: async (tx, row) => {
    const keys = await tx.apiKeys.countByUser(row.id);
    const subscriptions = (await tx.subscriptions.listAll({ userId: row.id })).length;
    const blockers = [
      { type: 'api-keys', count: keys },
      { type: 'subscriptions', count: subscriptions },
    ].filter((b) => b.count > 0);
    return { bindings: [], blockers };
  },
};
