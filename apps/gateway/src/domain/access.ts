import {
  type AccessCandidate,
  accountBlocker,
  type ClosureGap,
  evaluateAccess,
  evaluateGroupClosure,
  groupBindings,
} from '@relay/bindings';
import type { AccessQuery } from '@relay/schemas';
import { loadAccessSnapshot } from './access-snapshot.ts';
import type { AdminContext } from './context.ts';
import { withStoreErrors } from './store-errors.ts';

/** One bound account as the report shows it: why it can (blocker null) or cannot take traffic. */
export interface AccessReportAccount {
  account_id: string;
  account_group_id: string;
  name: string | null;
  platform: string;
  status: string;
  schedulable: boolean;
  priority: number;
  weight: number;
  cooldown_until: string | null;
  last_error: string | null;
  blocker: 'not_active' | 'unschedulable' | 'platform' | 'cooling' | null;
}

/**
 * `GET /admin/v1/access`: the verdict of the chain for a key or a group (and model), the first broken
 * link with its reason code, every broken link of the group, and each bound account's state
 * (`bound_accounts`, an addition to the schema's loose report).
 * One call explains an `account_select_failed: no available accounts`.
 */
export interface AccessReportBody {
  ok: boolean;
  api_key_id: string | null;
  group_id: string | null;
  model: string | null;
  evaluated_at: string;
  reason?: string;
  category?: string;
  message?: string;
  ids?: Record<string, unknown>;
  channel_id?: string | null;
  /** Eligible account ids in selection order (when ok). */
  accounts?: string[];
  candidates?: AccessCandidate[];
  /** Whether traffic can flow through the group now (for `model`, when given). */
  routable: boolean;
  /** Every broken link of the group (empty when nothing is missing). */
  missing: ClosureGap[];
  /** Each account bound to the group and why it can or cannot take traffic. */
  bound_accounts: AccessReportAccount[];
}

export async function accessReport(ctx: AdminContext, query: AccessQuery): Promise<AccessReportBody> {
  const now = ctx.now();
  const snapshot = await withStoreErrors(() =>
    loadAccessSnapshot(ctx.store, { groupId: query.group_id, apiKeyId: query.api_key_id }),
  );
  const result =
    query.api_key_id !== undefined
      ? evaluateAccess(snapshot, { api_key_id: query.api_key_id, model: query.model }, now)
      : evaluateAccess(snapshot, { group_id: query.group_id ?? '', model: query.model }, now);
  const groupId = query.group_id ?? snapshot.apiKeys[0]?.group_id ?? null;
  const group = snapshot.groups.find((g) => g.id === groupId);

  const boundAccounts: AccessReportAccount[] = [];
  if (group) {
    for (const bound of groupBindings(snapshot, group.id).bound) {
      const a = bound.account;
      boundAccounts.push({
        account_id: a.id,
        account_group_id: bound.binding.id,
        name: a.name ?? null,
        platform: a.platform,
        status: a.status,
        schedulable: a.schedulable,
        priority: bound.priority,
        weight: bound.weight,
        cooldown_until: a.cooldown_until ?? null,
        last_error: a.last_error ?? null,
        blocker: accountBlocker(a, group, now.getTime()),
      });
    }
  }
  const closure =
    groupId === null ? undefined : evaluateGroupClosure(snapshot, groupId, now, { model: query.model });

  const base = {
    api_key_id: query.api_key_id ?? null,
    group_id: groupId,
    model: query.model ?? null,
    evaluated_at: now.toISOString(),
    routable: closure?.routable ?? false,
    missing: closure?.missing ?? [],
    bound_accounts: boundAccounts,
  };
  if (result.ok) {
    return {
      ...base,
      ok: true,
      channel_id: result.channel_id,
      accounts: result.accounts,
      candidates: result.candidates,
    };
  }
  return {
    ...base,
    ok: false,
    reason: result.reason,
    category: result.category,
    message: result.message,
    ids: { ...result.ids },
  };
}
