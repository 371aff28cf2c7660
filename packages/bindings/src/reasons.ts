import type { IsoTime, Platform, UsdDecimal } from './snapshot.ts';

/**
 * Every way the access chain of docs/architecture.md#bindings-and-access-closure can break, in chain order. `evaluateAccess` returns
 * the first one that applies; `evaluateGroupClosure` lists all of them for a group, including the
 * per-resource codes (BINDING_ACCOUNT_NOT_FOUND, ACCOUNT_*, CHANNEL_HAS_NO_PRICED_MODELS) that only
 * the closure report uses. Codes are stable: the gateway and the manager branch on them.
 */
export const REASON_CODES = [
  'KEY_NOT_FOUND',
  'KEY_DISABLED',
  'KEY_REVOKED',
  'KEY_EXPIRED',
  'KEY_QUOTA_EXCEEDED',
  'KEY_MODEL_NOT_ALLOWED',
  'KEY_NOT_BOUND',
  'USER_NOT_FOUND',
  'USER_DISABLED',
  'INSUFFICIENT_BALANCE',
  'NO_ACTIVE_SUBSCRIPTION',
  'SUBSCRIPTION_LIMIT_EXCEEDED',
  'GROUP_NOT_FOUND',
  'GROUP_DISABLED',
  'CHANNEL_NOT_FOUND',
  'CHANNEL_RESTRICTS_MODEL',
  'CHANNEL_HAS_NO_PRICED_MODELS',
  'GROUP_HAS_NO_ACCOUNTS',
  'BINDING_ACCOUNT_NOT_FOUND',
  'NO_ACTIVE_ACCOUNTS',
  'ACCOUNT_NOT_ACTIVE',
  'ACCOUNT_UNSCHEDULABLE',
  'PLATFORM_MISMATCH',
  'ACCOUNT_PLATFORM_MISMATCH',
  'ALL_ACCOUNTS_COOLING_DOWN',
  'ACCOUNT_COOLING_DOWN',
  'NO_ACCOUNT_SERVES_MODEL',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/**
 * Who has to act, so an HTTP edge can pick its public error without knowing every code:
 * `key` (the tenant's key is unusable: 401), `user` (the key's tenant), `billing` (quota, balance,
 * subscription: 403), `model` (the model is not available to this key: 404 MODEL_NOT_FOUND),
 * `routing` (an operator must fix a binding or an account: 503 NO_AVAILABLE_ACCOUNTS).
 */
export type ReasonCategory = 'key' | 'user' | 'billing' | 'model' | 'routing';

export const REASON_CATEGORIES: Readonly<Record<ReasonCode, ReasonCategory>> = {
  KEY_NOT_FOUND: 'key',
  KEY_DISABLED: 'key',
  KEY_REVOKED: 'key',
  KEY_EXPIRED: 'key',
  KEY_QUOTA_EXCEEDED: 'billing',
  KEY_MODEL_NOT_ALLOWED: 'model',
  KEY_NOT_BOUND: 'routing',
  USER_NOT_FOUND: 'user',
  USER_DISABLED: 'user',
  INSUFFICIENT_BALANCE: 'billing',
  NO_ACTIVE_SUBSCRIPTION: 'billing',
  SUBSCRIPTION_LIMIT_EXCEEDED: 'billing',
  GROUP_NOT_FOUND: 'routing',
  GROUP_DISABLED: 'routing',
  CHANNEL_NOT_FOUND: 'routing',
  CHANNEL_RESTRICTS_MODEL: 'model',
  CHANNEL_HAS_NO_PRICED_MODELS: 'routing',
  GROUP_HAS_NO_ACCOUNTS: 'routing',
  BINDING_ACCOUNT_NOT_FOUND: 'routing',
  NO_ACTIVE_ACCOUNTS: 'routing',
  ACCOUNT_NOT_ACTIVE: 'routing',
  ACCOUNT_UNSCHEDULABLE: 'routing',
  PLATFORM_MISMATCH: 'routing',
  ACCOUNT_PLATFORM_MISMATCH: 'routing',
  ALL_ACCOUNTS_COOLING_DOWN: 'routing',
  ACCOUNT_COOLING_DOWN: 'routing',
  // `routing` instead when the group's channel prices the model (docs/architecture.md#the-relay): see evaluateAccess.
  NO_ACCOUNT_SERVES_MODEL: 'model',
};

/** The ids a broken link involves; only the relevant ones are set. */
export interface ReasonIds {
  api_key_id?: string;
  user_id?: string;
  group_id?: string;
  subscription_id?: string;
  channel_id?: string;
  channel_group_id?: string;
  account_id?: string;
  account_group_id?: string;
  /** Several accounts (e.g. all the bound accounts that are disabled). */
  account_ids?: string[];
  /** Several bindings (e.g. bindings pointing at missing accounts). */
  account_group_ids?: string[];
}

/** One account and why it does not route, e.g. `{account_id: 'acc_1', note: 'is disabled'}`. */
export interface AccountNote {
  account_id: string;
  note: string;
}

export type SubscriptionWindow = 'daily' | 'weekly' | 'monthly';

/** What each code's message is built from. */
export interface ReasonVars {
  KEY_NOT_FOUND: { api_key_id: string };
  KEY_DISABLED: { api_key_id: string };
  KEY_REVOKED: { api_key_id: string };
  /** `grace` when the key ran out of its rotation grace period rather than its expires_at. */
  KEY_EXPIRED: { api_key_id: string; at: IsoTime; grace: boolean };
  KEY_QUOTA_EXCEEDED: { api_key_id: string; quota_used_usd: UsdDecimal; quota_usd: UsdDecimal };
  KEY_MODEL_NOT_ALLOWED: { api_key_id: string; model: string; allowed_models: readonly string[] };
  /** `requested_group_id` set: the query named another group than the key's. */
  KEY_NOT_BOUND: {
    api_key_id: string;
    key_group_id: string | null;
    requested_group_id?: string;
  };
  USER_NOT_FOUND: { user_id: string; api_key_id: string };
  USER_DISABLED: { user_id: string };
  INSUFFICIENT_BALANCE: { user_id: string; balance_usd: UsdDecimal; group_id: string };
  /** `latest`: the user's most recent subscription to the group, to say why it does not count. */
  NO_ACTIVE_SUBSCRIPTION: {
    user_id: string;
    group_id: string;
    latest?: { subscription_id: string; state: string };
  };
  SUBSCRIPTION_LIMIT_EXCEEDED: {
    subscription_id: string;
    group_id: string;
    window: SubscriptionWindow;
    usage_usd: UsdDecimal;
    limit_usd: UsdDecimal;
    resets_at: IsoTime | null;
  };
  GROUP_NOT_FOUND: { group_id: string };
  GROUP_DISABLED: { group_id: string };
  CHANNEL_NOT_FOUND: { group_id: string; channel_id: string; channel_group_id: string };
  CHANNEL_RESTRICTS_MODEL: { group_id: string; channel_id: string; model: string };
  CHANNEL_HAS_NO_PRICED_MODELS: { group_id: string; channel_id: string };
  /** `dangling`: bindings of the group that point at accounts that do not exist. */
  GROUP_HAS_NO_ACCOUNTS: {
    group_id: string;
    dangling: readonly { account_group_id: string; account_id: string }[];
  };
  BINDING_ACCOUNT_NOT_FOUND: { group_id: string; account_group_id: string; account_id: string };
  NO_ACTIVE_ACCOUNTS: { group_id: string; model?: string; accounts: readonly AccountNote[] };
  ACCOUNT_NOT_ACTIVE: { group_id: string; account_id: string; status: string; last_error?: string | null };
  ACCOUNT_UNSCHEDULABLE: { group_id: string; account_id: string };
  PLATFORM_MISMATCH: { group_id: string; platform: Platform; accounts: readonly AccountNote[] };
  ACCOUNT_PLATFORM_MISMATCH: {
    group_id: string;
    group_platform: Platform;
    account_id: string;
    account_platform: Platform;
  };
  /** `retry_at`: the earliest cooldown end among the listed accounts. */
  ALL_ACCOUNTS_COOLING_DOWN: {
    group_id: string;
    model?: string;
    accounts: readonly AccountNote[];
    retry_at: IsoTime;
  };
  ACCOUNT_COOLING_DOWN: { group_id: string; account_id: string; until: IsoTime; reason?: string | null };
  NO_ACCOUNT_SERVES_MODEL: { group_id: string; model: string };
}

function notes(accounts: readonly AccountNote[]): string {
  return accounts.map((a) => `${a.account_id} ${a.note}`).join(', ');
}

/**
 * The human message of each code. Each reads on its own and also after the gateway's
 * `account_select_failed: no available accounts: ` prefix, names the ids involved and, in
 * parentheses, what an operator does about it.
 */
export const REASON_MESSAGES: { readonly [K in ReasonCode]: (vars: ReasonVars[K]) => string } = {
  KEY_NOT_FOUND: (v) => `api key ${v.api_key_id} does not exist`,
  KEY_DISABLED: (v) => `api key ${v.api_key_id} is disabled (enable the key)`,
  KEY_REVOKED: (v) => `api key ${v.api_key_id} is revoked (issue a new key)`,
  KEY_EXPIRED: (v) =>
    v.grace
      ? `api key ${v.api_key_id} was rotated and its grace period ended at ${v.at} (use the rotated key)`
      : `api key ${v.api_key_id} expired at ${v.at} (extend expires_at or issue a new key)`,
  KEY_QUOTA_EXCEEDED: (v) =>
    `api key ${v.api_key_id} used ${v.quota_used_usd} of its ${v.quota_usd} USD quota (raise quota_usd)`,
  KEY_MODEL_NOT_ALLOWED: (v) =>
    `api key ${v.api_key_id} may not use model ${v.model} (allowed_models: ${v.allowed_models.join(', ')})`,
  KEY_NOT_BOUND: (v) => {
    if (v.key_group_id === null)
      return `api key ${v.api_key_id} is not bound to a group (set the key's group_id)`;
    if (v.requested_group_id !== undefined && v.requested_group_id !== v.key_group_id)
      return `api key ${v.api_key_id} is bound to group ${v.key_group_id}, not to group ${v.requested_group_id}`;
    return `api key ${v.api_key_id} is bound to group ${v.key_group_id}, which does not exist (bind the key to an existing group)`;
  },
  USER_NOT_FOUND: (v) => `user ${v.user_id} of api key ${v.api_key_id} does not exist`,
  USER_DISABLED: (v) => `user ${v.user_id} is disabled (enable the user)`,
  INSUFFICIENT_BALANCE: (v) =>
    `user ${v.user_id} has a balance of ${v.balance_usd} USD and group ${v.group_id} bills from the balance (top up the balance)`,
  NO_ACTIVE_SUBSCRIPTION: (v) => {
    const why = v.latest ? `; subscription ${v.latest.subscription_id} ${v.latest.state}` : '';
    return `user ${v.user_id} has no active subscription to group ${v.group_id}${why} (create or renew a subscription)`;
  },
  SUBSCRIPTION_LIMIT_EXCEEDED: (v) => {
    const reset = v.resets_at ? `; the window resets at ${v.resets_at}` : '';
    return `subscription ${v.subscription_id} used ${v.usage_usd} of the ${v.window} limit of ${v.limit_usd} USD of group ${v.group_id} (raise ${v.window}_limit_usd${reset})`;
  },
  GROUP_NOT_FOUND: (v) => `group ${v.group_id} does not exist`,
  GROUP_DISABLED: (v) => `group ${v.group_id} is disabled (enable the group)`,
  CHANNEL_NOT_FOUND: (v) =>
    `group ${v.group_id} is bound by ${v.channel_group_id} to channel ${v.channel_id}, which does not exist (delete the channel binding)`,
  CHANNEL_RESTRICTS_MODEL: (v) =>
    `channel ${v.channel_id} of group ${v.group_id} restricts models and does not price model ${v.model} (add a price for ${v.model} to the channel or turn off restrict_models)`,
  CHANNEL_HAS_NO_PRICED_MODELS: (v) =>
    `channel ${v.channel_id} of group ${v.group_id} restricts models but prices none (add prices to the channel or turn off restrict_models)`,
  GROUP_HAS_NO_ACCOUNTS: (v) => {
    const dangling = v.dangling
      .map((d) => `binding ${d.account_group_id} points at missing account ${d.account_id}; `)
      .join('');
    return `group ${v.group_id} has no accounts bound (${dangling}bind an account to the group)`;
  },
  BINDING_ACCOUNT_NOT_FOUND: (v) =>
    `binding ${v.account_group_id} binds group ${v.group_id} to account ${v.account_id}, which does not exist (delete the binding)`,
  NO_ACTIVE_ACCOUNTS: (v) =>
    v.model === undefined
      ? `group ${v.group_id} has no active schedulable account (${notes(v.accounts)}; enable an account or make it schedulable)`
      : `no active schedulable account of group ${v.group_id} serves model ${v.model} (${notes(v.accounts)}; enable the account or make it schedulable)`,
  ACCOUNT_NOT_ACTIVE: (v) => {
    const error = v.last_error ? `, last error: ${v.last_error}` : '';
    return `account ${v.account_id} bound to group ${v.group_id} has status ${v.status}${error} (fix and re-enable the account)`;
  },
  ACCOUNT_UNSCHEDULABLE: (v) =>
    `account ${v.account_id} bound to group ${v.group_id} is not schedulable (set schedulable to true)`,
  PLATFORM_MISMATCH: (v) =>
    `group ${v.group_id} is on platform ${v.platform} but none of its active accounts is (${notes(v.accounts)}; bind an ${v.platform} account)`,
  ACCOUNT_PLATFORM_MISMATCH: (v) =>
    `account ${v.account_id} (${v.account_platform}) is bound to group ${v.group_id} (${v.group_platform}) and can never serve it (bind an ${v.group_platform} account instead)`,
  ALL_ACCOUNTS_COOLING_DOWN: (v) =>
    v.model === undefined
      ? `all accounts of group ${v.group_id} are cooling down (${notes(v.accounts)}; retry after ${v.retry_at} or clear a cooldown)`
      : `every account of group ${v.group_id} that serves model ${v.model} is cooling down (${notes(v.accounts)}; retry after ${v.retry_at} or clear a cooldown)`,
  ACCOUNT_COOLING_DOWN: (v) => {
    const reason = v.reason ? `: ${v.reason}` : '';
    return `account ${v.account_id} bound to group ${v.group_id} is cooling down until ${v.until}${reason}`;
  },
  NO_ACCOUNT_SERVES_MODEL: (v) =>
    `no account of group ${v.group_id} serves model ${v.model} (add it to an account's models or model_mapping, or alias it in the group's model_aliases)`,
};

/** Renders the message of `code`; typed so each code gets exactly the vars its message needs. */
export function reasonMessage<K extends ReasonCode>(code: K, vars: ReasonVars[K]): string {
  const render = REASON_MESSAGES[code] as (v: ReasonVars[K]) => string;
  return render(vars);
}
