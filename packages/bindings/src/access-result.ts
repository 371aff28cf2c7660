import {
  REASON_CATEGORIES,
  type ReasonCategory,
  type ReasonCode,
  type ReasonIds,
  type ReasonVars,
  reasonMessage,
} from './reasons.ts';

/** An account that may take the request, in selection order. */
export interface AccessCandidate {
  account_id: string;
  /** Effective priority in the group (binding override, else account, else 50); lower wins. */
  priority: number;
  weight: number;
  /** What the account is asked for (see resolveModel); null when the query named no model. */
  upstream_model: string | null;
}

export interface AccessGranted {
  ok: true;
  group_id: string;
  /** The group's active channel, whose prices and billing_model apply; null when none. */
  channel_id: string | null;
  /** Eligible account ids, priority ascending (ties by id: load-based choice within a tier is the gateway's). */
  accounts: string[];
  candidates: AccessCandidate[];
}

export interface AccessDenied {
  ok: false;
  /** The first broken link of the chain. */
  reason: ReasonCode;
  category: ReasonCategory;
  /** Human explanation naming the ids; see noAvailableAccountsMessage. */
  message: string;
  ids: ReasonIds;
  /** The model the query asked about, when it named one. */
  model?: string;
}

export type AccessResult = AccessGranted | AccessDenied;

/** What the gateway puts in front of a routing failure's message (docs/architecture.md#the-relay). */
export const NO_AVAILABLE_ACCOUNTS_PREFIX = 'account_select_failed: no available accounts';

/**
 * The 503 NO_AVAILABLE_ACCOUNTS message for a failed evaluation, e.g.
 * `account_select_failed: no available accounts: group grp_x has no accounts bound (bind an account to the group)`.
 */
export function noAvailableAccountsMessage(result: AccessDenied): string {
  return `${NO_AVAILABLE_ACCOUNTS_PREFIX}: ${result.message}`;
}

export function deny<K extends ReasonCode>(
  reason: K,
  vars: ReasonVars[K],
  ids: ReasonIds,
  options: { model?: string | undefined; category?: ReasonCategory } = {},
): AccessDenied {
  const denied: AccessDenied = {
    ok: false,
    reason,
    category: options.category ?? REASON_CATEGORIES[reason],
    message: reasonMessage(reason, vars),
    ids,
  };
  if (options.model !== undefined) denied.model = options.model;
  return denied;
}
