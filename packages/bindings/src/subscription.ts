import { type AccessDenied, deny } from './access-result.ts';
import { usdReached } from './money.ts';
import type { SubscriptionWindow } from './reasons.ts';
import type { AccessSnapshot, SnapshotGroup, SnapshotSubscription, UsdDecimal } from './snapshot.ts';
import { isoAt, toMillis } from './time.ts';

/**
 * Length of each usage window. A window whose `*_window_start` is at least this long ago has rolled
 * over, so its recorded usage no longer counts (the gateway resets it lazily on the next write).
 */
export const SUBSCRIPTION_WINDOWS: Readonly<Record<SubscriptionWindow, number>> = {
  daily: 24 * 60 * 60 * 1000,
  weekly: 7 * 24 * 60 * 60 * 1000,
  monthly: 30 * 24 * 60 * 60 * 1000,
};

const WINDOW_FIELDS: Readonly<
  Record<
    SubscriptionWindow,
    {
      usage: (s: SnapshotSubscription) => UsdDecimal | null | undefined;
      start: (s: SnapshotSubscription) => string | null | undefined;
      limit: (g: SnapshotGroup) => UsdDecimal | null | undefined;
    }
  >
> = {
  daily: {
    usage: (s) => s.daily_usage_usd,
    start: (s) => s.daily_window_start,
    limit: (g) => g.daily_limit_usd,
  },
  weekly: {
    usage: (s) => s.weekly_usage_usd,
    start: (s) => s.weekly_window_start,
    limit: (g) => g.weekly_limit_usd,
  },
  monthly: {
    usage: (s) => s.monthly_usage_usd,
    start: (s) => s.monthly_window_start,
    limit: (g) => g.monthly_limit_usd,
  },
};

/** Active: not suspended/expired by status, and `starts_at <= now < expires_at`. */
export function isSubscriptionActive(subscription: SnapshotSubscription, now: number): boolean {
  return (
    (subscription.status === undefined || subscription.status === 'active') &&
    toMillis(subscription.starts_at) <= now &&
    now < toMillis(subscription.expires_at)
  );
}

/**
 * The subscription link for a user in a subscription-mode group: an active subscription whose
 * daily, weekly and monthly usage are all below the group's limits. With several active
 * subscriptions the one that runs longest is used.
 */
export function checkSubscription(
  snapshot: AccessSnapshot,
  user_id: string,
  group: SnapshotGroup,
  now: number,
): AccessDenied | null {
  const mine = snapshot.subscriptions
    .filter((s) => s.user_id === user_id && s.group_id === group.id)
    .sort((a, b) => toMillis(b.expires_at) - toMillis(a.expires_at) || (a.id < b.id ? -1 : 1));
  const active = mine.find((s) => isSubscriptionActive(s, now));
  if (active === undefined) {
    const latest = mine[0];
    return deny(
      'NO_ACTIVE_SUBSCRIPTION',
      {
        user_id,
        group_id: group.id,
        ...(latest && { latest: { subscription_id: latest.id, state: inactiveState(latest, now) } }),
      },
      latest ? { user_id, group_id: group.id, subscription_id: latest.id } : { user_id, group_id: group.id },
    );
  }
  for (const window of ['daily', 'weekly', 'monthly'] as const) {
    const fields = WINDOW_FIELDS[window];
    const limit = fields.limit(group);
    if (limit == null) continue;
    const start = fields.start(active);
    const startMs = start == null ? null : toMillis(start);
    if (startMs !== null && startMs + SUBSCRIPTION_WINDOWS[window] <= now) continue;
    const usage = fields.usage(active) ?? '0';
    if (usdReached(usage, limit)) {
      return deny(
        'SUBSCRIPTION_LIMIT_EXCEEDED',
        {
          subscription_id: active.id,
          group_id: group.id,
          window,
          usage_usd: usage,
          limit_usd: limit,
          resets_at: startMs === null ? null : isoAt(startMs + SUBSCRIPTION_WINDOWS[window]),
        },
        { user_id, group_id: group.id, subscription_id: active.id },
      );
    }
  }
  return null;
}

function inactiveState(subscription: SnapshotSubscription, now: number): string {
  if (subscription.status === 'suspended') return 'is suspended';
  if (toMillis(subscription.starts_at) > now) return `starts at ${subscription.starts_at}`;
  if (toMillis(subscription.expires_at) <= now) return `expired at ${subscription.expires_at}`;
  return 'is expired';
}
