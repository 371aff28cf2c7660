/**
 * The state the binding rules read, as the gateway (from its cache) or the manager (from admin API
 * listings) sees it. Field names are the admin API resource fields of docs/architecture.md#gateway-resources (snake_case), and
 * each type holds only the fields the rules need, so an admin API `items` array can be passed as is.
 *
 * Money is a decimal string (`"12.50"`, at most 6 decimals) compared exactly, never as a float.
 * Times are ISO 8601 strings; the evaluation instant (`now`) is always passed in explicitly.
 * Optional and nullable fields mean "not set" (no limit, no expiry, no override).
 */

/** A decimal USD amount as the admin API writes it, e.g. `"12.50"`. */
export type UsdDecimal = string;
/** An ISO 8601 timestamp, e.g. `"2026-06-04T10:00:00.000Z"`. */
export type IsoTime = string;
/** The instant the rules are evaluated at. */
export type Instant = Date | IsoTime;

export type Platform = 'openai' | 'anthropic';

export interface SnapshotUser {
  id: string;
  status: 'active' | 'disabled';
  balance_usd: UsdDecimal;
}

export interface SnapshotGroup {
  id: string;
  name?: string;
  platform: Platform;
  status: 'active' | 'disabled';
  billing_mode: 'balance' | 'subscription';
  /** Subscription-mode window limits; null/absent = no limit for that window. */
  daily_limit_usd?: UsdDecimal | null;
  weekly_limit_usd?: UsdDecimal | null;
  monthly_limit_usd?: UsdDecimal | null;
  /** Public model name → model name, applied first in model resolution. */
  model_aliases?: Readonly<Record<string, string>> | null;
}

export interface SnapshotAccount {
  id: string;
  name?: string;
  platform: Platform;
  status: 'active' | 'disabled' | 'error';
  schedulable: boolean;
  /** Upstream model ids this account serves; empty or absent = any. */
  models?: readonly string[] | null;
  /** Requested (after alias and channel mapping) → upstream model id. */
  model_mapping?: Readonly<Record<string, string>> | null;
  /** Lower wins; default 50. A binding's priority overrides it. */
  priority?: number | null;
  weight?: number | null;
  cooldown_until?: IsoTime | null;
  cooldown_reason?: string | null;
  last_error?: string | null;
}

/** `agb_…`: one account bound to one group. */
export interface SnapshotAccountGroup {
  id: string;
  account_id: string;
  group_id: string;
  /** Overrides the account's priority within this group. */
  priority?: number | null;
}

export interface SnapshotApiKey {
  id: string;
  user_id: string;
  group_id: string | null;
  status: 'active' | 'disabled' | 'revoked';
  expires_at?: IsoTime | null;
  /** null/absent = no quota. */
  quota_usd?: UsdDecimal | null;
  quota_used_usd?: UsdDecimal | null;
  /** Public model names the key may request; null/absent/empty = any. */
  allowed_models?: readonly string[] | null;
  /** Set on a key that was rotated away from: it keeps working until then. */
  grace_until?: IsoTime | null;
}

export interface SnapshotChannel {
  id: string;
  name?: string;
  status: 'active' | 'disabled';
  /** When true only models priced in this channel route. */
  restrict_models: boolean;
  /** Applied after group aliases and before account mapping. */
  model_mapping?: Readonly<Record<string, string>> | null;
}

/** `cgb_…`: a group belongs to at most one channel. */
export interface SnapshotChannelGroup {
  id: string;
  channel_id: string;
  group_id: string;
}

/** Only whether a model is priced (and where) matters to the rules, not the amounts. */
export interface SnapshotPrice {
  id?: string;
  model: string;
  channel_id?: string | null;
}

export interface SnapshotSubscription {
  id: string;
  user_id: string;
  group_id: string;
  starts_at: IsoTime;
  expires_at: IsoTime;
  /** Absent = active (the period alone decides). */
  status?: 'active' | 'expired' | 'suspended';
  /**
   * Usage in the current window and when that window started. A window whose start is older than
   * its length (see SUBSCRIPTION_WINDOWS) has rolled over: its usage counts as zero.
   */
  daily_usage_usd?: UsdDecimal | null;
  daily_window_start?: IsoTime | null;
  weekly_usage_usd?: UsdDecimal | null;
  weekly_window_start?: IsoTime | null;
  monthly_usage_usd?: UsdDecimal | null;
  monthly_window_start?: IsoTime | null;
}

export interface AccessSnapshot {
  users: readonly SnapshotUser[];
  groups: readonly SnapshotGroup[];
  accounts: readonly SnapshotAccount[];
  accountGroups: readonly SnapshotAccountGroup[];
  apiKeys: readonly SnapshotApiKey[];
  channels: readonly SnapshotChannel[];
  channelGroups: readonly SnapshotChannelGroup[];
  prices: readonly SnapshotPrice[];
  subscriptions: readonly SnapshotSubscription[];
}

/** Default account priority when neither the binding nor the account sets one (docs/architecture.md#gateway-resources). */
export const DEFAULT_ACCOUNT_PRIORITY = 50;
export const DEFAULT_ACCOUNT_WEIGHT = 1;
