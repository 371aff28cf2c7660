import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';

/**
 * The gateway's tables (gateway.md §1). Money is bigint micro-USD (`*_micros`), never a float;
 * every resource row carries `version` (optimistic concurrency) and free-form `labels`.
 */

export type Labels = Record<string, string>;
export type StringMap = Record<string, string>;
export type AccountProtocols = Partial<
  Record<'chat' | 'responses' | 'messages', { base_url?: string; auth_style?: 'bearer' | 'x-api-key' }>
>;

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const micros = (name: string) => bigint(name, { mode: 'bigint' });

/** Columns shared by every admin-managed resource. */
const resourceColumns = () => ({
  id: text('id').primaryKey(),
  labels: jsonb('labels').$type<Labels>().notNull().default({}),
  version: integer('version').notNull().default(1),
  createdAt: tz('created_at').notNull().defaultNow(),
  updatedAt: tz('updated_at').notNull().defaultNow(),
});

export const users = pgTable(
  'users',
  {
    ...resourceColumns(),
    name: text('name').notNull(),
    email: text('email'),
    status: text('status').$type<'active' | 'disabled'>().notNull().default('active'),
    balanceMicros: micros('balance_micros').notNull().default(sql`0`),
    concurrencyLimit: integer('concurrency_limit').notNull().default(10),
    rpmLimit: integer('rpm_limit').notNull().default(0),
  },
  (t) => [index('users_labels_gin').using('gin', t.labels)],
);

export const groups = pgTable(
  'groups',
  {
    ...resourceColumns(),
    name: text('name').notNull(),
    platform: text('platform').$type<'openai' | 'anthropic'>().notNull(),
    status: text('status').$type<'active' | 'disabled'>().notNull().default('active'),
    billingMode: text('billing_mode').$type<'balance' | 'subscription'>().notNull().default('balance'),
    /** Millionths (1.0 = 1_000_000) so `charged = cost × multiplier` stays in integers. */
    rateMultiplierMicros: micros('rate_multiplier_micros').notNull().default(sql`1000000`),
    rpmLimit: integer('rpm_limit').notNull().default(0),
    tpmLimit: integer('tpm_limit').notNull().default(0),
    dailyLimitMicros: micros('daily_limit_micros'),
    weeklyLimitMicros: micros('weekly_limit_micros'),
    monthlyLimitMicros: micros('monthly_limit_micros'),
    modelAliases: jsonb('model_aliases').$type<StringMap>().notNull().default({}),
  },
  (t) => [unique('groups_name_unique').on(t.name), index('groups_labels_gin').using('gin', t.labels)],
);

export const accounts = pgTable(
  'accounts',
  {
    ...resourceColumns(),
    name: text('name').notNull(),
    platform: text('platform').$type<'openai' | 'anthropic'>().notNull(),
    baseUrl: text('base_url').notNull(),
    /** AES-256-GCM envelope (src/secrets); the plaintext never reaches the database. */
    credentialCiphertext: text('credential_ciphertext').notNull(),
    credentialFingerprint: text('credential_fingerprint').notNull(),
    authStyle: text('auth_style').$type<'bearer' | 'x-api-key'>().notNull().default('bearer'),
    models: jsonb('models').$type<string[]>().notNull().default([]),
    modelMapping: jsonb('model_mapping').$type<StringMap>().notNull().default({}),
    /** Protocol → {base_url?, auth_style?}: what the upstream speaks natively (empty = the platform's own). */
    protocols: jsonb('protocols').$type<AccountProtocols>().notNull().default({}),
    concurrency: integer('concurrency').notNull().default(3),
    priority: integer('priority').notNull().default(50),
    weight: integer('weight').notNull().default(1),
    status: text('status').$type<'active' | 'disabled' | 'error'>().notNull().default('active'),
    schedulable: boolean('schedulable').notNull().default(true),
    cooldownUntil: tz('cooldown_until'),
    cooldownReason: text('cooldown_reason'),
    lastError: text('last_error'),
    lastUsedAt: tz('last_used_at'),
  },
  (t) => [index('accounts_labels_gin').using('gin', t.labels)],
);

export const accountGroups = pgTable(
  'account_groups',
  {
    ...resourceColumns(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id),
    priority: integer('priority'),
  },
  (t) => [
    unique('account_groups_account_group_unique').on(t.accountId, t.groupId),
    index('account_groups_group_idx').on(t.groupId),
    index('account_groups_labels_gin').using('gin', t.labels),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    ...resourceColumns(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id),
    name: text('name').notNull(),
    keyPrefix: text('key_prefix').notNull(),
    /** sha256 hex of the plaintext key: the only form the key is stored in. */
    keyHash: text('key_hash').notNull(),
    status: text('status').$type<'active' | 'disabled' | 'revoked'>().notNull().default('active'),
    expiresAt: tz('expires_at'),
    quotaMicros: micros('quota_micros'),
    quotaUsedMicros: micros('quota_used_micros').notNull().default(sql`0`),
    rpmLimit: integer('rpm_limit').notNull().default(0),
    tpmLimit: integer('tpm_limit').notNull().default(0),
    concurrencyLimit: integer('concurrency_limit').notNull().default(0),
    allowedModels: jsonb('allowed_models').$type<string[]>(),
    ipAllow: jsonb('ip_allow').$type<string[]>().notNull().default([]),
    ipDeny: jsonb('ip_deny').$type<string[]>().notNull().default([]),
    lastUsedAt: tz('last_used_at'),
    rotatedFrom: text('rotated_from'),
    graceUntil: tz('grace_until'),
  },
  (t) => [
    unique('api_keys_key_hash_unique').on(t.keyHash),
    index('api_keys_user_idx').on(t.userId),
    index('api_keys_group_idx').on(t.groupId),
    index('api_keys_labels_gin').using('gin', t.labels),
  ],
);

export const channels = pgTable(
  'channels',
  {
    ...resourceColumns(),
    name: text('name').notNull(),
    status: text('status').$type<'active' | 'disabled'>().notNull().default('active'),
    restrictModels: boolean('restrict_models').notNull().default(false),
    modelMapping: jsonb('model_mapping').$type<StringMap>().notNull().default({}),
    billingModel: text('billing_model').$type<'requested' | 'upstream'>().notNull().default('requested'),
  },
  (t) => [index('channels_labels_gin').using('gin', t.labels)],
);

export const channelGroups = pgTable(
  'channel_groups',
  {
    ...resourceColumns(),
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id),
  },
  (t) => [
    // A group belongs to at most one channel.
    unique('channel_groups_group_unique').on(t.groupId),
    index('channel_groups_channel_idx').on(t.channelId),
    index('channel_groups_labels_gin').using('gin', t.labels),
  ],
);

export const prices = pgTable(
  'prices',
  {
    ...resourceColumns(),
    model: text('model').notNull(),
    /** null = the global price of the model. */
    channelId: text('channel_id').references(() => channels.id),
    /** micro-USD per 1M tokens. */
    inputMicros: micros('input_micros').notNull().default(sql`0`),
    outputMicros: micros('output_micros').notNull().default(sql`0`),
    cacheReadMicros: micros('cache_read_micros').notNull().default(sql`0`),
    cacheWriteMicros: micros('cache_write_micros').notNull().default(sql`0`),
  },
  (t) => [
    unique('prices_channel_model_unique').on(t.channelId, t.model).nullsNotDistinct(),
    index('prices_labels_gin').using('gin', t.labels),
  ],
);

export const usageEvents = pgTable(
  'usage_events',
  {
    id: text('id').primaryKey(),
    requestId: text('request_id').notNull(),
    apiKeyId: text('api_key_id').notNull(),
    userId: text('user_id').notNull(),
    groupId: text('group_id').notNull(),
    accountId: text('account_id'),
    channelId: text('channel_id'),
    endpoint: text('endpoint').notNull(),
    modelRequested: text('model_requested').notNull(),
    modelUpstream: text('model_upstream'),
    stream: boolean('stream').notNull().default(false),
    statusCode: integer('status_code').notNull(),
    errorCode: text('error_code'),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    cachedTokens: integer('cached_tokens').notNull().default(0),
    usageEstimated: boolean('usage_estimated').notNull().default(false),
    /** The caller's protocol when the request was translated for the upstream; null when relayed natively. */
    translatedFrom: text('translated_from'),
    costMicros: micros('cost_micros').notNull().default(sql`0`),
    chargedMicros: micros('charged_micros').notNull().default(sql`0`),
    latencyMs: integer('latency_ms').notNull().default(0),
    ttftMs: integer('ttft_ms'),
    attempts: integer('attempts').notNull().default(1),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [
    // Charged exactly once per request.
    unique('usage_events_request_id_unique').on(t.requestId),
    index('usage_events_created_idx').on(t.createdAt),
    index('usage_events_key_idx').on(t.apiKeyId, t.createdAt),
    index('usage_events_user_idx').on(t.userId, t.createdAt),
    index('usage_events_group_idx').on(t.groupId, t.createdAt),
    index('usage_events_account_idx').on(t.accountId, t.createdAt),
  ],
);

export const subscriptions = pgTable(
  'subscriptions',
  {
    ...resourceColumns(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id),
    status: text('status').$type<'active' | 'expired' | 'suspended'>().notNull().default('active'),
    startsAt: tz('starts_at').notNull(),
    expiresAt: tz('expires_at').notNull(),
    /** Usage in the current window; a window restarts when its start is older than its length. */
    dailyUsedMicros: micros('daily_used_micros').notNull().default(sql`0`),
    dailyWindowStart: tz('daily_window_start'),
    weeklyUsedMicros: micros('weekly_used_micros').notNull().default(sql`0`),
    weeklyWindowStart: tz('weekly_window_start'),
    monthlyUsedMicros: micros('monthly_used_micros').notNull().default(sql`0`),
    monthlyWindowStart: tz('monthly_window_start'),
  },
  (t) => [
    index('subscriptions_user_group_idx').on(t.userId, t.groupId),
    index('subscriptions_labels_gin').using('gin', t.labels),
  ],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: text('id').primaryKey(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    /** Redacted snapshots: credentials appear only as fingerprints, key hashes never. */
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    requestId: text('request_id'),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('audit_events_resource_idx').on(t.resourceType, t.resourceId),
    index('audit_events_created_idx').on(t.createdAt),
  ],
);

export const idempotencyRecords = pgTable(
  'idempotency_records',
  {
    key: text('key').primaryKey(),
    /** sha256 of method, path and body: same key + other request → IDEMPOTENCY_CONFLICT. */
    requestHash: text('request_hash').notNull(),
    state: text('state').$type<'in_progress' | 'completed'>().notNull().default('in_progress'),
    responseStatus: integer('response_status'),
    /** Encrypted like credentials: an api-key create response holds the key's only plaintext copy. */
    responseBody: text('response_body'),
    createdAt: tz('created_at').notNull().defaultNow(),
    expiresAt: tz('expires_at').notNull().default(sql`now() + interval '24 hours'`),
  },
  (t) => [index('idempotency_records_expires_idx').on(t.expiresAt)],
);
