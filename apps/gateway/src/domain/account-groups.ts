import type {
  AccountGroup,
  AccountGroupCreate,
  AccountGroupListQuery,
  AccountGroupUpdate,
} from '@relay/schemas';
import { AdminError } from '../errors.ts';
import { type AccountGroupInsert, type AccountGroupRow, ID_PREFIX, newId } from '../store/index.ts';
import { pageRequestOf, requireReference } from './crud.ts';
import { presentAccountGroup } from './present.ts';
import type { ResourceDefinition } from './resource-definition.ts';

export const accountGroupResource: ResourceDefinition<
  AccountGroupRow,
  AccountGroupInsert,
  AccountGroup,
  AccountGroupCreate,
  AccountGroupUpdate,
  AccountGroupListQuery
> = {
  type: 'account-groups',
  noun: 'account-group binding',
  repository: (store) => store.accountGroups,
  present: presentAccountGroup,
  /**
   * One binding per (account, group) (409 ALREADY_EXISTS, enforced by a unique constraint), and only
   * between the same platform: both platforms are immutable, so a mismatched binding could never route.
   */
  insert: async (tx, input) => {
    const account = requireReference(
      await tx.accounts.get(input.account_id),
      'account',
      input.account_id,
      'account_id',
    );
    const group = requireReference(await tx.groups.get(input.group_id), 'group', input.group_id, 'group_id');
    if (account.platform !== group.platform) {
      throw new AdminError(
        'CONFLICT',
        `account ${account.id} is ${account.platform} but group ${group.id} is ${group.platform}; bind accounts of the group's platform`,
        { account_platform: account.platform, group_platform: group.platform },
      );
    }
    return tx.accountGroups.insert({
      id: newId(ID_PREFIX.accountGroup),
      accountId: input.account_id,
      groupId: input.group_id,
      priority: input.priority,
      labels: input.labels,
    });
  },
  patch: async (_tx, _before, input) => {
    const patch: Partial<AccountGroupInsert> = {};
    if (input.priority !== undefined) patch.priority = input.priority;
    if (input.labels !== undefined) patch.labels = input.labels;
    return patch;
  },
  list: (store, query) =>
    store.accountGroups.list({ accountId: query.account_id, groupId: query.group_id }, pageRequestOf(query)),
};
