import { BlockList, isIP } from 'node:net';
import { PublicError } from '../errors.ts';
import type { ApiKeyRow } from '../store/index.ts';
import type { TenantView } from './tenant-directory.ts';

type IpRules = { allow: BlockList | undefined; deny: BlockList | undefined };
const compiledRules = new WeakMap<ApiKeyRow, IpRules>();

function compile(cidrs: readonly string[]): BlockList | undefined {
  if (cidrs.length === 0) return undefined;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

function rulesOf(key: ApiKeyRow): IpRules {
  let rules = compiledRules.get(key);
  if (rules === undefined) {
    rules = { allow: compile(key.ipAllow), deny: compile(key.ipDeny) };
    compiledRules.set(key, rules);
  }
  return rules;
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`, what Node reports on dual-stack sockets) checked as IPv4. */
function normalise(ip: string): { address: string; family: 'ipv4' | 'ipv6' } {
  if (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) return { address: ip.slice(7), family: 'ipv4' };
  return { address: ip, family: isIP(ip) === 6 ? 'ipv6' : 'ipv4' };
}

function ipAllowed(key: ApiKeyRow, ip: string | undefined): boolean {
  const { allow, deny } = rulesOf(key);
  if (allow === undefined && deny === undefined) return true;
  if (ip === undefined) return allow === undefined;
  const { address, family } = normalise(ip);
  if (isIP(address) === 0) return allow === undefined;
  if (deny?.check(address, family)) return false;
  return allow === undefined || allow.check(address, family);
}

/**
 * The key's own gate (gateway.md §3), in the order a client can act on: key state, expiry, source
 * address, then money. Routing problems (group, accounts, models) are decided later by selection.
 * `spentMicros` is what this process has charged but not yet written (so a burst cannot overspend).
 */
export function checkTenant(
  view: TenantView,
  now: number,
  ip: string | undefined,
  options: { spending: boolean; spentMicros?: bigint },
): void {
  const spentMicros = options.spentMicros ?? 0n;
  const { key, user } = view;
  const grace = key.graceUntil?.getTime();
  if (key.status === 'revoked' && (grace === undefined || grace <= now)) {
    throw new PublicError('API_KEY_REVOKED', 'This API key has been revoked.');
  }
  if (key.status === 'disabled') throw new PublicError('API_KEY_DISABLED', 'This API key is disabled.');
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now) {
    throw new PublicError('API_KEY_EXPIRED', `This API key expired at ${key.expiresAt.toISOString()}.`);
  }
  if (user.status !== 'active')
    throw new PublicError('API_KEY_DISABLED', 'The account that owns this API key is disabled.');
  if (!ipAllowed(key, ip))
    throw new PublicError(
      'IP_NOT_ALLOWED',
      `Requests from ${ip ?? 'this address'} are not allowed for this API key.`,
    );
  if (!options.spending) return;
  if (key.quotaMicros !== null && key.quotaUsedMicros + spentMicros >= key.quotaMicros) {
    throw new PublicError('QUOTA_EXCEEDED', 'This API key has used its whole quota.');
  }
  if (view.group.group.billingMode === 'subscription') {
    const exhausted = exhaustedWindow(view, now, spentMicros);
    if (exhausted !== undefined) throw new PublicError('USAGE_LIMIT_EXCEEDED', exhausted);
  } else if (user.balanceMicros - spentMicros <= 0n) {
    throw new PublicError('INSUFFICIENT_BALANCE', 'The account balance is exhausted; top up to continue.');
  }
}

const DAY_MS = 86_400_000;

/** Why a subscription-mode key may not spend now, or undefined when it may. */
function exhaustedWindow(view: TenantView, now: number, spentMicros: bigint): string | undefined {
  const { subscription } = view;
  const { group } = view.group;
  if (subscription === undefined) return "No active subscription covers this API key's group.";
  const windows = [
    ['daily', group.dailyLimitMicros, subscription.dailyUsedMicros, subscription.dailyWindowStart, DAY_MS],
    [
      'weekly',
      group.weeklyLimitMicros,
      subscription.weeklyUsedMicros,
      subscription.weeklyWindowStart,
      7 * DAY_MS,
    ],
    [
      'monthly',
      group.monthlyLimitMicros,
      subscription.monthlyUsedMicros,
      subscription.monthlyWindowStart,
      30 * DAY_MS,
    ],
  ] as const;
  for (const [name, limit, used, start, length] of windows) {
    if (limit === null) continue;
    // A window whose start is older than its length has restarted: nothing is used in it yet.
    const current = start !== null && now - start.getTime() < length ? used : 0n;
    if (current + spentMicros >= limit) return `The subscription's ${name} usage limit is reached.`;
  }
  return undefined;
}
