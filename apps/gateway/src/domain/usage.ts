import {
  type AuditEventListQuery,
  microsToMoney,
  type UsageEventListQuery,
  type UsageSummary,
  type UsageSummaryQuery,
} from '@relay/schemas';
import type { UsageEventFilter } from '../store/usage-event-repository.ts';
import type { AdminContext } from './context.ts';
import { pageRequestOf } from './crud.ts';
import { presentAuditEvent, presentUsageEvent } from './present.ts';
import { withStoreErrors } from './store-errors.ts';

const dateOrUndefined = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso));

function usageFilter(
  query: Omit<UsageSummaryQuery, 'group_by'> & { request_id?: string | undefined },
): UsageEventFilter {
  return {
    apiKeyId: query.api_key_id,
    userId: query.user_id,
    groupId: query.group_id,
    accountId: query.account_id,
    model: query.model,
    requestId: query.request_id,
    since: dateOrUndefined(query.since),
    until: dateOrUndefined(query.until),
  };
}

/** `GET /usage/events`, newest first. */
export async function listUsageEvents(ctx: AdminContext, query: UsageEventListQuery) {
  const page = await withStoreErrors(() =>
    ctx.store.usageEvents.list(usageFilter(query), { limit: query.limit, cursor: query.cursor }),
  );
  return { items: page.items.map(presentUsageEvent), next_cursor: page.nextCursor };
}

/** `GET /usage/summary`: sums per model, key, user, group, account or UTC day. */
export async function summariseUsage(ctx: AdminContext, query: UsageSummaryQuery): Promise<UsageSummary> {
  const rows = await withStoreErrors(() => ctx.store.usageEvents.summary(usageFilter(query), query.group_by));
  return {
    items: rows.map((r) => ({
      key: r.key,
      requests: r.requests,
      prompt_tokens: r.promptTokens,
      completion_tokens: r.completionTokens,
      cached_tokens: r.cachedTokens,
      cost_usd: microsToMoney(r.costMicros),
      charged_usd: microsToMoney(r.chargedMicros),
    })),
  };
}

/** `GET /audit-events`, newest first. */
export async function listAuditEvents(ctx: AdminContext, query: AuditEventListQuery) {
  const page = await withStoreErrors(() =>
    ctx.store.auditEvents.list(
      {
        actor: query.actor,
        action: query.action,
        resourceType: query.resource_type,
        resourceId: query.resource_id,
        requestId: query.request_id,
        since: dateOrUndefined(query.since),
        until: dateOrUndefined(query.until),
      },
      pageRequestOf(query),
    ),
  );
  return { items: page.items.map(presentAuditEvent), next_cursor: page.nextCursor };
}
