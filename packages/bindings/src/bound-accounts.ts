import type { AccountNote } from './reasons.ts';
import {
  type AccessSnapshot,
  DEFAULT_ACCOUNT_PRIORITY,
  DEFAULT_ACCOUNT_WEIGHT,
  type SnapshotAccount,
  type SnapshotAccountGroup,
  type SnapshotGroup,
} from './snapshot.ts';
import { toMillis } from './time.ts';

/** An existing account bound to a group, with its effective priority in that group. */
export interface BoundAccount {
  binding: SnapshotAccountGroup;
  account: SnapshotAccount;
  /** Binding priority, else account priority, else 50. Lower wins. */
  priority: number;
  weight: number;
}

export interface GroupBindings {
  /** In selection order: priority ascending, then account id. One entry per account. */
  bound: BoundAccount[];
  /** Bindings of the group that point at accounts missing from the snapshot. */
  dangling: SnapshotAccountGroup[];
}

/** The accounts bound to a group. An account bound twice counts once, with its best priority. */
export function groupBindings(snapshot: AccessSnapshot, group_id: string): GroupBindings {
  const accounts = new Map(snapshot.accounts.map((a) => [a.id, a]));
  const byAccount = new Map<string, BoundAccount>();
  const dangling: SnapshotAccountGroup[] = [];
  for (const binding of snapshot.accountGroups) {
    if (binding.group_id !== group_id) continue;
    const account = accounts.get(binding.account_id);
    if (account === undefined) {
      dangling.push(binding);
      continue;
    }
    const entry: BoundAccount = {
      binding,
      account,
      priority: binding.priority ?? account.priority ?? DEFAULT_ACCOUNT_PRIORITY,
      weight: account.weight ?? DEFAULT_ACCOUNT_WEIGHT,
    };
    const seen = byAccount.get(account.id);
    if (seen === undefined || entry.priority < seen.priority) byAccount.set(account.id, entry);
  }
  const bound = [...byAccount.values()].sort(
    (a, b) => a.priority - b.priority || compareIds(a.account.id, b.account.id),
  );
  dangling.sort((a, b) => compareIds(a.id, b.id));
  return { bound, dangling };
}

/**
 * Why a bound account cannot take traffic for the group right now, in the order the chain checks
 * it, or null when it can (model aside).
 */
export type AccountBlocker = 'not_active' | 'unschedulable' | 'platform' | 'cooling';

export function accountBlocker(
  account: SnapshotAccount,
  group: SnapshotGroup,
  now: number,
): AccountBlocker | null {
  if (account.status !== 'active') return 'not_active';
  if (!account.schedulable) return 'unschedulable';
  if (account.platform !== group.platform) return 'platform';
  if (isCoolingDown(account, now)) return 'cooling';
  return null;
}

export function isCoolingDown(account: SnapshotAccount, now: number): boolean {
  return account.cooldown_until != null && toMillis(account.cooldown_until) > now;
}

/** The short phrase used in group-level messages, e.g. `acc_1 is disabled`. */
export function accountNote(account: SnapshotAccount, blocker: AccountBlocker): AccountNote {
  return { account_id: account.id, note: blockerPhrase(account, blocker) };
}

function blockerPhrase(account: SnapshotAccount, blocker: AccountBlocker): string {
  switch (blocker) {
    case 'not_active':
      if (account.status === 'disabled') return 'is disabled';
      return account.last_error
        ? `has status ${account.status} (last error: ${account.last_error})`
        : `has status ${account.status}`;
    case 'unschedulable':
      return 'is not schedulable';
    case 'platform':
      return `is ${account.platform}`;
    case 'cooling': {
      const reason = account.cooldown_reason ? ` (${account.cooldown_reason})` : '';
      return `cools down until ${account.cooldown_until ?? ''}${reason}`;
    }
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
