import {
  type Account,
  type AccountCreate,
  type AccountListQuery,
  type AccountUpdate,
  defaultAuthStyle,
} from '@relay/schemas';
import { fingerprint } from '../secrets/index.ts';
import { type AccountInsert, type AccountRow, ID_PREFIX, newId } from '../store/index.ts';
import type { AdminContext } from './context.ts';
import { pageRequestOf } from './crud.ts';
import { presentAccount, presentAccountGroup } from './present.ts';
import type { ResourceDefinition } from './resource-definition.ts';

/** The credential is sealed with the account id as associated data (see credential-cipher.ts). */
function sealCredential(ctx: AdminContext, accountId: string, credential: string) {
  return {
    credentialCiphertext: ctx.cipher.encrypt(credential, accountId),
    credentialFingerprint: fingerprint(credential),
  };
}

export const accountResource: ResourceDefinition<
  AccountRow,
  AccountInsert,
  Account,
  AccountCreate,
  AccountUpdate,
  AccountListQuery
> = {
  type: 'accounts',
  noun: 'account',
  repository: (store) => store.accounts,
  present: presentAccount,
  insert: (tx, input, ctx) => {
    const id = newId(ID_PREFIX.account);
    return tx.accounts.insert({
      id,
      name: input.name,
      platform: input.platform,
      baseUrl: input.base_url,
      ...sealCredential(ctx, id, input.credential),
      authStyle: input.auth_style ?? defaultAuthStyle(input.platform),
      models: input.models,
      modelMapping: input.model_mapping,
      protocols: input.protocols,
      concurrency: input.concurrency,
      priority: input.priority,
      weight: input.weight,
      status: input.status,
      schedulable: input.schedulable,
      labels: input.labels,
    });
  },
  patch: async (_tx, before, input, ctx) => {
    const patch: Partial<AccountInsert> = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.base_url !== undefined) patch.baseUrl = input.base_url;
    if (input.credential !== undefined)
      Object.assign(patch, sealCredential(ctx, before.id, input.credential));
    if (input.auth_style !== undefined) patch.authStyle = input.auth_style;
    if (input.models !== undefined) patch.models = input.models;
    if (input.model_mapping !== undefined) patch.modelMapping = input.model_mapping;
    if (input.protocols !== undefined) patch.protocols = input.protocols;
    if (input.concurrency !== undefined) patch.concurrency = input.concurrency;
    if (input.priority !== undefined) patch.priority = input.priority;
    if (input.weight !== undefined) patch.weight = input.weight;
    if (input.status !== undefined) {
      patch.status = input.status;
      // An operator re-activating an account has dealt with the error that stopped it.
      if (input.status === 'active' && before.status === 'error') patch.lastError = null;
    }
    if (input.schedulable !== undefined) patch.schedulable = input.schedulable;
    if (input.labels !== undefined) patch.labels = input.labels;
    return patch;
  },
  list: (store, query) =>
    store.accounts.list(
      {
        platform: query.platform,
        status: query.status,
        groupId: query.group_id,
        schedulable: query.schedulable,
        name: query.name,
      },
      pageRequestOf(query),
    ),
  dependents: async (tx, row) => {
    const bindings = await tx.accountGroups.listAll({ accountId: row.id });
    return {
      bindings: bindings.map((b) => ({
        type: 'account-groups' as const,
        id: b.id,
        snapshot: presentAccountGroup(b),
        remove: async (t: typeof tx) => void (await t.accountGroups.delete(b.id)),
      })),
      blockers: [],
    };
  },
};
