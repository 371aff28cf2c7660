import { groupBindings, isCoolingDown } from './bound-accounts.ts';
import { checkAccounts, checkChannel } from './evaluate-access.ts';
import { findGroupChannel } from './group-channel.ts';
import { type ReasonCode, type ReasonIds, type ReasonVars, reasonMessage } from './reasons.ts';
import type { AccessSnapshot, Instant, SnapshotChannel } from './snapshot.ts';
import { toMillis } from './time.ts';

/** One broken link of a group. */
export interface ClosureGap {
  reason: ReasonCode;
  message: string;
  ids: ReasonIds;
}

export interface GroupClosureReport {
  /** True when nothing is missing or broken. */
  ok: boolean;
  group_id: string;
  /** True when traffic can flow through the group now (for `model`, when given); see evaluateAccess. */
  routable: boolean;
  /** Every broken link: group-level first, then dangling bindings, then each bound account's issues. */
  missing: ClosureGap[];
}

/**
 * Every broken link of a group, for the manager's access report and the admin access endpoint
 * (unlike evaluateAccess, which stops at the first). Covers the group itself, its channel binding,
 * the group-level account verdict (no accounts, none active, platform, cooldown, model), bindings to
 * missing accounts, and each bound account that is not active, not schedulable, on another platform
 * or cooling down. Key- and user-level links are per key: use evaluateAccess with api_key_id.
 */
export function evaluateGroupClosure(
  snapshot: AccessSnapshot,
  group_id: string,
  now: Instant,
  options: { model?: string } = {},
): GroupClosureReport {
  const nowMs = toMillis(now);
  const model = options.model;
  const missing: ClosureGap[] = [];
  const add = <K extends ReasonCode>(reason: K, vars: ReasonVars[K], ids: ReasonIds) => {
    missing.push({ reason, message: reasonMessage(reason, vars), ids });
  };

  const group = snapshot.groups.find((g) => g.id === group_id);
  if (group === undefined) {
    add('GROUP_NOT_FOUND', { group_id }, { group_id });
    return { ok: false, group_id, routable: false, missing };
  }
  if (group.status !== 'active') add('GROUP_DISABLED', { group_id }, { group_id });

  let channel: SnapshotChannel | null = null;
  const channelCheck = checkChannel(snapshot, group, model);
  if ('ok' in channelCheck) {
    missing.push({ reason: channelCheck.reason, message: channelCheck.message, ids: channelCheck.ids });
  } else {
    channel = channelCheck.channel;
  }
  const link = findGroupChannel(snapshot, group_id);
  if (
    link.state === 'bound' &&
    link.channel.status === 'active' &&
    link.channel.restrict_models &&
    !snapshot.prices.some((p) => p.channel_id === link.channel.id)
  ) {
    const ids = { group_id, channel_id: link.channel.id };
    add('CHANNEL_HAS_NO_PRICED_MODELS', ids, ids);
  }

  const accounts = checkAccounts(snapshot, group, channel, model, nowMs);
  if (!accounts.ok) missing.push({ reason: accounts.reason, message: accounts.message, ids: accounts.ids });

  const { bound, dangling } = groupBindings(snapshot, group_id);
  for (const d of dangling) {
    const ids = { group_id, account_group_id: d.id, account_id: d.account_id };
    add('BINDING_ACCOUNT_NOT_FOUND', ids, ids);
  }
  for (const { account, binding } of bound) {
    const ids = { group_id, account_id: account.id, account_group_id: binding.id };
    if (account.status !== 'active')
      add(
        'ACCOUNT_NOT_ACTIVE',
        { group_id, account_id: account.id, status: account.status, last_error: account.last_error },
        ids,
      );
    if (!account.schedulable) add('ACCOUNT_UNSCHEDULABLE', { group_id, account_id: account.id }, ids);
    if (account.platform !== group.platform)
      add(
        'ACCOUNT_PLATFORM_MISMATCH',
        {
          group_id,
          group_platform: group.platform,
          account_id: account.id,
          account_platform: account.platform,
        },
        ids,
      );
    if (account.cooldown_until != null && isCoolingDown(account, nowMs))
      add(
        'ACCOUNT_COOLING_DOWN',
        { group_id, account_id: account.id, until: account.cooldown_until, reason: account.cooldown_reason },
        ids,
      );
  }

  // The same verdict evaluateAccess({group_id, model}) gives: group active, channel and accounts fine.
  const routable = group.status === 'active' && !('ok' in channelCheck) && accounts.ok;
  return { ok: missing.length === 0, group_id, routable, missing };
}
