import { type AccessDenied, type AccessGranted, type AccessResult, deny } from './access-result.ts';
import {
  type AccountBlocker,
  accountBlocker,
  accountNote,
  type BoundAccount,
  groupBindings,
} from './bound-accounts.ts';
import { findGroupChannel, isPricedInChannel } from './group-channel.ts';
import { isNonPositiveUsd, usdReached } from './money.ts';
import { applyGroupAlias, resolveModel } from './resolve-model.ts';
import type { AccessSnapshot, Instant, SnapshotApiKey, SnapshotChannel, SnapshotGroup } from './snapshot.ts';
import { checkSubscription } from './subscription.ts';
import { isReached, toMillis } from './time.ts';

/**
 * What to evaluate: a key's whole chain (`api_key_id`, optionally checked against `group_id`), or a
 * group's chain alone (`group_id` only). With `model`, the model-specific links are checked too.
 * The same shape as the admin API's `GET /admin/v1/access` query, so a parsed query passes as is.
 */
export interface AccessQuery {
  api_key_id?: string | undefined;
  group_id?: string | undefined;
  model?: string | undefined;
}

/**
 * Evaluates the access chain of docs/architecture.md#bindings-and-access-closure at `now` and returns the eligible accounts, or the
 * first broken link, in this order:
 *
 * key exists → not disabled/revoked → unexpired (expires_at, rotation grace_until) → within quota →
 * model in allowed_models → bound to an existing group (the queried one, if any) → user exists →
 * user active → balance > 0 (balance mode) or an active subscription under its window limits
 * (subscription mode) → group exists → group active → channel binding resolves → channel
 * restrict_models prices the model → accounts: some bound → some active and schedulable → some on
 * the group's platform → some not cooling down → some serve the model.
 *
 * For the last links with a model: when usable accounts exist but none serves the model while an
 * unusable account would, the reason is that account's blocker (cooling down, or disabled /
 * unschedulable), because an operator can fix it (docs/architecture.md#the-relay: 503, not 404). Accounts on another
 * platform never count as serving.
 */
export function evaluateAccess(snapshot: AccessSnapshot, query: AccessQuery, now: Instant): AccessResult {
  const nowMs = toMillis(now);
  const model = query.model;
  let group: SnapshotGroup;

  if (query.api_key_id !== undefined) {
    const key = snapshot.apiKeys.find((k) => k.id === query.api_key_id);
    if (key === undefined)
      return deny(
        'KEY_NOT_FOUND',
        { api_key_id: query.api_key_id },
        { api_key_id: query.api_key_id },
        { model },
      );
    const keyBroken = checkKey(key, model, nowMs);
    if (keyBroken) return keyBroken;

    const bound = checkKeyGroup(snapshot, key, query.group_id, model);
    if ('ok' in bound) return bound;
    group = bound.group;

    const userBroken = checkUser(snapshot, key, group, nowMs, model);
    if (userBroken) return userBroken;
  } else if (query.group_id !== undefined) {
    const group_id = query.group_id;
    const found = snapshot.groups.find((g) => g.id === group_id);
    if (found === undefined) return deny('GROUP_NOT_FOUND', { group_id }, { group_id }, { model });
    group = found;
  } else {
    throw new TypeError('evaluateAccess needs an api_key_id or a group_id');
  }

  if (group.status !== 'active')
    return deny('GROUP_DISABLED', { group_id: group.id }, { group_id: group.id }, { model });

  const channel = checkChannel(snapshot, group, model);
  if ('ok' in channel) return channel;

  return checkAccounts(snapshot, group, channel.channel, model, nowMs);
}

function checkKey(key: SnapshotApiKey, model: string | undefined, now: number): AccessDenied | null {
  const ids = { api_key_id: key.id };
  const opts = { model };
  if (key.status === 'disabled') return deny('KEY_DISABLED', ids, ids, opts);
  if (key.status === 'revoked') return deny('KEY_REVOKED', ids, ids, opts);
  if (key.expires_at != null && isReached(key.expires_at, now))
    return deny('KEY_EXPIRED', { api_key_id: key.id, at: key.expires_at, grace: false }, ids, opts);
  if (key.grace_until != null && isReached(key.grace_until, now))
    return deny('KEY_EXPIRED', { api_key_id: key.id, at: key.grace_until, grace: true }, ids, opts);
  if (key.quota_usd != null) {
    const used = key.quota_used_usd ?? '0';
    if (usdReached(used, key.quota_usd))
      return deny(
        'KEY_QUOTA_EXCEEDED',
        { api_key_id: key.id, quota_used_usd: used, quota_usd: key.quota_usd },
        ids,
        opts,
      );
  }
  const allowed = key.allowed_models;
  if (model !== undefined && allowed && allowed.length > 0 && !allowed.includes(model))
    return deny('KEY_MODEL_NOT_ALLOWED', { api_key_id: key.id, model, allowed_models: allowed }, ids, opts);
  return null;
}

/** The key's group, or KEY_NOT_BOUND: no group, another group than the queried one, or a missing group. */
function checkKeyGroup(
  snapshot: AccessSnapshot,
  key: SnapshotApiKey,
  requestedGroupId: string | undefined,
  model: string | undefined,
): AccessDenied | { group: SnapshotGroup } {
  const keyGroupId = key.group_id;
  const ids = keyGroupId === null ? { api_key_id: key.id } : { api_key_id: key.id, group_id: keyGroupId };
  const vars = { api_key_id: key.id, key_group_id: keyGroupId };
  if (keyGroupId === null) return deny('KEY_NOT_BOUND', vars, ids, { model });
  if (requestedGroupId !== undefined && requestedGroupId !== keyGroupId)
    return deny('KEY_NOT_BOUND', { ...vars, requested_group_id: requestedGroupId }, ids, { model });
  const group = snapshot.groups.find((g) => g.id === keyGroupId);
  return group ? { group } : deny('KEY_NOT_BOUND', vars, ids, { model });
}

function checkUser(
  snapshot: AccessSnapshot,
  key: SnapshotApiKey,
  group: SnapshotGroup,
  now: number,
  model: string | undefined,
): AccessDenied | null {
  const ids = { api_key_id: key.id, user_id: key.user_id };
  const user = snapshot.users.find((u) => u.id === key.user_id);
  if (user === undefined)
    return deny('USER_NOT_FOUND', { user_id: key.user_id, api_key_id: key.id }, ids, { model });
  if (user.status !== 'active') return deny('USER_DISABLED', { user_id: user.id }, ids, { model });
  if (group.billing_mode === 'subscription') {
    const broken = checkSubscription(snapshot, user.id, group, now);
    if (broken && model !== undefined) broken.model = model;
    return broken;
  }
  if (isNonPositiveUsd(user.balance_usd))
    return deny(
      'INSUFFICIENT_BALANCE',
      { user_id: user.id, balance_usd: user.balance_usd, group_id: group.id },
      { user_id: user.id, group_id: group.id },
      { model },
    );
  return null;
}

/** The active channel overlay of the group (or none), or the broken channel link. */
export function checkChannel(
  snapshot: AccessSnapshot,
  group: SnapshotGroup,
  model: string | undefined,
): AccessDenied | { channel: SnapshotChannel | null } {
  const link = findGroupChannel(snapshot, group.id);
  if (link.state === 'none') return { channel: null };
  if (link.state === 'missing') {
    const vars = { group_id: group.id, channel_id: link.channel_id, channel_group_id: link.channel_group_id };
    return deny('CHANNEL_NOT_FOUND', vars, vars, { model });
  }
  const channel = link.channel;
  if (channel.status !== 'active') return { channel: null };
  if (model !== undefined && channel.restrict_models) {
    const priced = applyGroupAlias(group, model);
    if (!isPricedInChannel(snapshot, channel.id, priced))
      return deny(
        'CHANNEL_RESTRICTS_MODEL',
        { group_id: group.id, channel_id: channel.id, model: priced },
        { group_id: group.id, channel_id: channel.id },
        { model },
      );
  }
  return { channel };
}

interface AssessedAccount extends BoundAccount {
  blocker: AccountBlocker | null;
  upstream: string | null;
}

/** The account links of the group (shared with the closure report, which ignores group status). */
export function checkAccounts(
  snapshot: AccessSnapshot,
  group: SnapshotGroup,
  channel: SnapshotChannel | null,
  model: string | undefined,
  now: number,
): AccessResult {
  const group_id = group.id;
  const opts = { model };
  const { bound, dangling } = groupBindings(snapshot, group_id);
  if (bound.length === 0) {
    const vars = {
      group_id,
      dangling: dangling.map((d) => ({ account_group_id: d.id, account_id: d.account_id })),
    };
    const ids =
      dangling.length > 0 ? { group_id, account_group_ids: dangling.map((d) => d.id) } : { group_id };
    return deny('GROUP_HAS_NO_ACCOUNTS', vars, ids, opts);
  }

  const assessed: AssessedAccount[] = bound.map((b) => ({
    ...b,
    blocker: accountBlocker(b.account, group, now),
    upstream: model === undefined ? null : resolveModel(snapshot, group, b.account, model),
  }));

  const active = assessed.filter((a) => a.blocker !== 'not_active' && a.blocker !== 'unschedulable');
  if (active.length === 0) return inactiveDenial(group_id, assessed, undefined);
  const samePlatform = active.filter((a) => a.blocker !== 'platform');
  if (samePlatform.length === 0)
    return deny(
      'PLATFORM_MISMATCH',
      { group_id, platform: group.platform, accounts: notesOf(active) },
      { group_id, account_ids: idsOf(active) },
      opts,
    );
  const ready = samePlatform.filter((a) => a.blocker === null);
  if (model === undefined) {
    return ready.length > 0
      ? granted(group_id, channel, ready)
      : coolingDenial(group_id, samePlatform, undefined);
  }

  const serving = ready.filter((a) => a.upstream !== null);
  if (serving.length > 0) return granted(group_id, channel, serving);

  // No usable account serves the model. An account of the group's platform that would serve it
  // but is blocked is the link to fix; otherwise the model is simply unknown to the group.
  const wouldServe = assessed.filter((a) => a.upstream !== null && a.account.platform === group.platform);
  const cooling = wouldServe.filter((a) => a.blocker === 'cooling');
  if (cooling.length > 0) return coolingDenial(group_id, cooling, model);
  if (ready.length === 0) return coolingDenial(group_id, samePlatform, undefined);
  if (wouldServe.length > 0) return inactiveDenial(group_id, wouldServe, model);

  const channelKnows =
    channel !== null && isPricedInChannel(snapshot, channel.id, applyGroupAlias(group, model));
  return deny(
    'NO_ACCOUNT_SERVES_MODEL',
    { group_id, model },
    { group_id, account_ids: idsOf(ready) },
    channelKnows ? { model, category: 'routing' } : opts,
  );
}

function inactiveDenial(
  group_id: string,
  accounts: AssessedAccount[],
  model: string | undefined,
): AccessDenied {
  return deny(
    'NO_ACTIVE_ACCOUNTS',
    { group_id, accounts: notesOf(accounts), ...(model !== undefined && { model }) },
    { group_id, account_ids: idsOf(accounts) },
    { model },
  );
}

function coolingDenial(
  group_id: string,
  accounts: AssessedAccount[],
  model: string | undefined,
): AccessDenied {
  let retryAt = '';
  let retryMs = Number.POSITIVE_INFINITY;
  for (const a of accounts) {
    const until = a.account.cooldown_until;
    if (until != null && toMillis(until) < retryMs) {
      retryMs = toMillis(until);
      retryAt = until;
    }
  }
  return deny(
    'ALL_ACCOUNTS_COOLING_DOWN',
    { group_id, accounts: notesOf(accounts), retry_at: retryAt, ...(model !== undefined && { model }) },
    { group_id, account_ids: idsOf(accounts) },
    { model },
  );
}

function granted(
  group_id: string,
  channel: SnapshotChannel | null,
  accounts: AssessedAccount[],
): AccessGranted {
  return {
    ok: true,
    group_id,
    channel_id: channel?.id ?? null,
    accounts: idsOf(accounts),
    candidates: accounts.map((a) => ({
      account_id: a.account.id,
      priority: a.priority,
      weight: a.weight,
      upstream_model: a.upstream,
    })),
  };
}

function notesOf(accounts: AssessedAccount[]) {
  return accounts.flatMap((a) => (a.blocker === null ? [] : [accountNote(a.account, a.blocker)]));
}

function idsOf(accounts: AssessedAccount[]): string[] {
  return accounts.map((a) => a.account.id);
}
