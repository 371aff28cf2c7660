import type {
  ApiKey,
  ApiKeyCreate,
  ApiKeyCreated,
  ApiKeyListQuery,
  ApiKeyRotate,
  ApiKeyUpdate,
} from '@relay/schemas';
import { AdminError } from '../errors.ts';
import { generateApiKey } from '../secrets/index.ts';
import { type ApiKeyInsert, type ApiKeyRow, ID_PREFIX, newId, type Store } from '../store/index.ts';
import { recordAudit } from './audit.ts';
import type { AdminContext } from './context.ts';
import { notFound, pageRequestOf, requireReference } from './crud.ts';
import { toMicrosOrNull } from './money.ts';
import { presentApiKey } from './present.ts';
import type { ResourceDefinition } from './resource-definition.ts';
import { withStoreErrors } from './store-errors.ts';

const dateOrNull = (iso: string | null) => (iso === null ? null : new Date(iso));

export const apiKeyResource: ResourceDefinition<
  ApiKeyRow,
  ApiKeyInsert,
  ApiKey,
  ApiKeyCreate,
  ApiKeyUpdate,
  ApiKeyListQuery
> = {
  type: 'api-keys',
  noun: 'api key',
  repository: (store) => store.apiKeys,
  present: presentApiKey,
  /** Used through createApiKey, which also hands out the secret. */
  insert: async (tx, input) => (await insertApiKey(tx, input)).row,
  patch: async (tx, before, input) => {
    const patch: Partial<ApiKeyInsert> = {};
    if (input.status !== undefined && input.status !== before.status) {
      if (before.status === 'revoked') {
        throw new AdminError('CONFLICT', `api key ${before.id} is revoked; revocation is final`, {
          status: before.status,
        });
      }
      patch.status = input.status;
    }
    if (input.group_id !== undefined && input.group_id !== before.groupId) {
      requireReference(await tx.groups.get(input.group_id), 'group', input.group_id, 'group_id');
      patch.groupId = input.group_id;
    }
    if (input.name !== undefined) patch.name = input.name;
    if (input.expires_at !== undefined) patch.expiresAt = dateOrNull(input.expires_at);
    if (input.quota_usd !== undefined) patch.quotaMicros = toMicrosOrNull(input.quota_usd, 'quota_usd');
    if (input.rpm_limit !== undefined) patch.rpmLimit = input.rpm_limit;
    if (input.tpm_limit !== undefined) patch.tpmLimit = input.tpm_limit;
    if (input.concurrency_limit !== undefined) patch.concurrencyLimit = input.concurrency_limit;
    if (input.allowed_models !== undefined) patch.allowedModels = input.allowed_models;
    if (input.ip_allow !== undefined) patch.ipAllow = input.ip_allow;
    if (input.ip_deny !== undefined) patch.ipDeny = input.ip_deny;
    if (input.labels !== undefined) patch.labels = input.labels;
    return patch;
  },
  list: (store, query) =>
    store.apiKeys.list(
      { userId: query.user_id, groupId: query.group_id, status: query.status, keyPrefix: query.key_prefix },
      pageRequestOf(query),
    ),
};

async function insertApiKey(tx: Store, input: ApiKeyCreate): Promise<{ row: ApiKeyRow; secret: string }> {
  requireReference(await tx.users.get(input.user_id), 'user', input.user_id, 'user_id');
  requireReference(await tx.groups.get(input.group_id), 'group', input.group_id, 'group_id');
  const generated = generateApiKey();
  const row = await tx.apiKeys.insert({
    id: newId(ID_PREFIX.apiKey),
    userId: input.user_id,
    groupId: input.group_id,
    name: input.name,
    keyPrefix: generated.prefix,
    keyHash: generated.hash,
    status: input.status,
    expiresAt: dateOrNull(input.expires_at),
    quotaMicros: toMicrosOrNull(input.quota_usd, 'quota_usd'),
    rpmLimit: input.rpm_limit,
    tpmLimit: input.tpm_limit,
    concurrencyLimit: input.concurrency_limit,
    allowedModels: input.allowed_models,
    ipAllow: input.ip_allow,
    ipDeny: input.ip_deny,
    labels: input.labels,
  });
  return { row, secret: generated.secret };
}

/**
 * Creates a key and returns its plaintext secret: the only time it exists outside the caller's hands.
 * The database keeps the sha256 hash; the audit event keeps the presented key (prefix only).
 */
export function createApiKey(ctx: AdminContext, input: ApiKeyCreate): Promise<ApiKeyCreated> {
  return withStoreErrors(() =>
    ctx.store.transaction(async (tx) => {
      const { row, secret } = await insertApiKey(tx, input);
      const apiKey = presentApiKey(row);
      await recordAudit(tx, ctx, {
        action: 'create',
        resourceType: 'api-keys',
        resourceId: row.id,
        before: null,
        after: apiKey,
      });
      return { api_key: apiKey, secret };
    }),
  );
}

/** Revocation is final and immediate; revoking a revoked key answers it unchanged. */
export function revokeApiKey(ctx: AdminContext, id: string): Promise<ApiKey> {
  return withStoreErrors(() =>
    ctx.store.transaction(async (tx) => {
      const before = await tx.apiKeys.getForUpdate(id);
      if (!before) throw notFound('api key', id);
      if (before.status === 'revoked') return presentApiKey(before);
      const outcome = await tx.apiKeys.update(id, { status: 'revoked' });
      if (outcome.status !== 'updated') throw notFound('api key', id);
      const after = presentApiKey(outcome.row);
      await recordAudit(tx, ctx, {
        action: 'revoke',
        resourceType: 'api-keys',
        resourceId: id,
        before: presentApiKey(before),
        after,
      });
      return after;
    }),
  );
}

/**
 * Rotation issues a successor key (same owner, group, limits, quota use and labels; `rotated_from`
 * naming the old key) and gives the old key `grace_until = now + grace_seconds`, until which it keeps
 * working; with no grace the old key is revoked at once. A key is rotated at most once: rotate its
 * successor next time.
 */
export function rotateApiKey(ctx: AdminContext, id: string, input: ApiKeyRotate): Promise<ApiKeyCreated> {
  return withStoreErrors(() =>
    ctx.store.transaction(async (tx) => {
      const old = await tx.apiKeys.getForUpdate(id);
      if (!old) throw notFound('api key', id);
      if (old.status === 'revoked') {
        throw new AdminError('CONFLICT', `api key ${id} is revoked and cannot be rotated`, {
          status: old.status,
        });
      }
      if (old.graceUntil !== null) {
        throw new AdminError('CONFLICT', `api key ${id} was already rotated; rotate its successor instead`, {
          grace_until: old.graceUntil.toISOString(),
        });
      }
      const now = ctx.now();
      const generated = generateApiKey();
      const successor = await tx.apiKeys.insert({
        id: newId(ID_PREFIX.apiKey),
        userId: old.userId,
        groupId: old.groupId,
        name: old.name,
        keyPrefix: generated.prefix,
        keyHash: generated.hash,
        status: old.status,
        expiresAt: old.expiresAt,
        quotaMicros: old.quotaMicros,
        quotaUsedMicros: old.quotaUsedMicros,
        rpmLimit: old.rpmLimit,
        tpmLimit: old.tpmLimit,
        concurrencyLimit: old.concurrencyLimit,
        allowedModels: old.allowedModels,
        ipAllow: old.ipAllow,
        ipDeny: old.ipDeny,
        labels: old.labels,
        rotatedFrom: old.id,
      });
      const graceUntil = new Date(now.getTime() + input.grace_seconds * 1000);
      const outcome = await tx.apiKeys.update(
        id,
        input.grace_seconds === 0 ? { status: 'revoked', graceUntil } : { graceUntil },
      );
      if (outcome.status !== 'updated') throw notFound('api key', id);
      const created = presentApiKey(successor);
      await recordAudit(tx, ctx, {
        action: 'rotate',
        resourceType: 'api-keys',
        resourceId: id,
        before: presentApiKey(old),
        after: presentApiKey(outcome.row),
      });
      await recordAudit(tx, ctx, {
        action: 'create',
        resourceType: 'api-keys',
        resourceId: successor.id,
        before: null,
        after: created,
      });
      return { api_key: created, secret: generated.secret };
    }),
  );
}
