import type { SnapshotSubscription } from '@relay/bindings';
import {
  type Account,
  type AccountGroup,
  type ApiKey,
  type AuditEvent,
  type Channel,
  type ChannelGroup,
  type Group,
  microsToMoney,
  type Price,
  type UsageEvent,
  type User,
} from '@relay/schemas';
import type {
  AccountGroupRow,
  AccountRow,
  ApiKeyRow,
  AuditEventRow,
  ChannelGroupRow,
  ChannelRow,
  GroupRow,
  PriceRow,
  SubscriptionRow,
  UsageEventRow,
  UserRow,
} from '../store/index.ts';

/**
 * Rows → admin API resources (gateway.md §1): snake_case, money as decimal strings, times as ISO.
 * These are also the audit snapshots and the access snapshot, so what they leave out never leaves
 * the gateway: credentials appear only as fingerprints, api keys only as their display prefix.
 */

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
const moneyOrNull = (m: bigint | null) => (m === null ? null : microsToMoney(m));

function base(row: {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
  labels: Record<string, string>;
}) {
  return {
    id: row.id,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
    version: row.version,
    labels: row.labels,
  };
}

export function presentUser(row: UserRow): User {
  return {
    ...base(row),
    name: row.name,
    email: row.email,
    status: row.status,
    balance_usd: microsToMoney(row.balanceMicros),
    concurrency_limit: row.concurrencyLimit,
    rpm_limit: row.rpmLimit,
  };
}

export function presentGroup(row: GroupRow): Group {
  return {
    ...base(row),
    name: row.name,
    platform: row.platform,
    status: row.status,
    billing_mode: row.billingMode,
    rate_multiplier: microsToMoney(row.rateMultiplierMicros),
    rpm_limit: row.rpmLimit,
    tpm_limit: row.tpmLimit,
    daily_limit_usd: moneyOrNull(row.dailyLimitMicros),
    weekly_limit_usd: moneyOrNull(row.weeklyLimitMicros),
    monthly_limit_usd: moneyOrNull(row.monthlyLimitMicros),
    model_aliases: row.modelAliases,
  };
}

export function presentAccount(row: AccountRow): Account {
  return {
    ...base(row),
    name: row.name,
    platform: row.platform,
    base_url: row.baseUrl,
    credential_fingerprint: row.credentialFingerprint,
    auth_style: row.authStyle,
    models: row.models,
    model_mapping: row.modelMapping,
    protocols: row.protocols,
    concurrency: row.concurrency,
    priority: row.priority,
    weight: row.weight,
    status: row.status,
    schedulable: row.schedulable,
    cooldown_until: isoOrNull(row.cooldownUntil),
    cooldown_reason: row.cooldownReason,
    last_error: row.lastError,
    last_used_at: isoOrNull(row.lastUsedAt),
  };
}

export function presentAccountGroup(row: AccountGroupRow): AccountGroup {
  return { ...base(row), account_id: row.accountId, group_id: row.groupId, priority: row.priority };
}

export function presentApiKey(row: ApiKeyRow): ApiKey {
  return {
    ...base(row),
    user_id: row.userId,
    group_id: row.groupId,
    name: row.name,
    key_prefix: row.keyPrefix,
    status: row.status,
    expires_at: isoOrNull(row.expiresAt),
    quota_usd: moneyOrNull(row.quotaMicros),
    quota_used_usd: microsToMoney(row.quotaUsedMicros),
    rpm_limit: row.rpmLimit,
    tpm_limit: row.tpmLimit,
    concurrency_limit: row.concurrencyLimit,
    allowed_models: row.allowedModels,
    ip_allow: row.ipAllow,
    ip_deny: row.ipDeny,
    last_used_at: isoOrNull(row.lastUsedAt),
    rotated_from: row.rotatedFrom,
    grace_until: isoOrNull(row.graceUntil),
  };
}

export function presentChannel(row: ChannelRow): Channel {
  return {
    ...base(row),
    name: row.name,
    status: row.status,
    restrict_models: row.restrictModels,
    model_mapping: row.modelMapping,
    billing_model: row.billingModel,
  };
}

export function presentChannelGroup(row: ChannelGroupRow): ChannelGroup {
  return { ...base(row), channel_id: row.channelId, group_id: row.groupId };
}

export function presentPrice(row: PriceRow): Price {
  return {
    ...base(row),
    model: row.model,
    channel_id: row.channelId,
    input: microsToMoney(row.inputMicros),
    output: microsToMoney(row.outputMicros),
    cache_read: microsToMoney(row.cacheReadMicros),
    cache_write: microsToMoney(row.cacheWriteMicros),
  };
}

export function presentSubscription(row: SubscriptionRow): SnapshotSubscription {
  return {
    id: row.id,
    user_id: row.userId,
    group_id: row.groupId,
    status: row.status,
    starts_at: iso(row.startsAt),
    expires_at: iso(row.expiresAt),
    daily_usage_usd: microsToMoney(row.dailyUsedMicros),
    daily_window_start: isoOrNull(row.dailyWindowStart),
    weekly_usage_usd: microsToMoney(row.weeklyUsedMicros),
    weekly_window_start: isoOrNull(row.weeklyWindowStart),
    monthly_usage_usd: microsToMoney(row.monthlyUsedMicros),
    monthly_window_start: isoOrNull(row.monthlyWindowStart),
  };
}

export function presentUsageEvent(row: UsageEventRow): UsageEvent {
  return {
    id: row.id,
    request_id: row.requestId,
    api_key_id: row.apiKeyId,
    user_id: row.userId,
    group_id: row.groupId,
    account_id: row.accountId,
    channel_id: row.channelId,
    endpoint: row.endpoint,
    model_requested: row.modelRequested,
    model_upstream: row.modelUpstream,
    stream: row.stream,
    status_code: row.statusCode,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    cached_tokens: row.cachedTokens,
    cost_usd: microsToMoney(row.costMicros),
    charged_usd: microsToMoney(row.chargedMicros),
    latency_ms: row.latencyMs,
    ttft_ms: row.ttftMs,
    attempts: row.attempts,
    usage_estimated: row.usageEstimated,
    translated_from: row.translatedFrom,
    created_at: iso(row.createdAt),
  };
}

export function presentAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    actor: row.actor,
    action: row.action,
    resource_type: row.resourceType,
    resource_id: row.resourceId,
    before: row.before ?? null,
    after: row.after ?? null,
    request_id: row.requestId ?? '',
    created_at: iso(row.createdAt),
  };
}
