import { chargeOf, type UsageRecord } from '../usage/usage-record.ts';
import type { RelayCall, RelayEnv } from './relay-call.ts';
import type { TokenUsage } from './usage.ts';

/** How a call ended, as its usage event tells it. */
export type CallEnd = {
  status: number;
  errorCode: string | null;
  ttftMs?: number | null;
  tokens?: TokenUsage | undefined;
};

/**
 * The call's one usage event (billable endpoints only): priced from the group's view, charged to the
 * key's in-process spend at once (so quota checks see it before the writer has stored it), then
 * handed to the usage queue — never awaited on the hot path.
 */
export function recordUsage(env: RelayEnv, call: RelayCall, end: CallEnd): void {
  const { endpoint, view, request, route } = call;
  if (!endpoint.billable) return;
  const { group, channel, prices } = view.group;
  const upstreamModel = route?.upstreamModel ?? null;
  const billingModel =
    channel?.billingModel === 'upstream' && upstreamModel !== null ? upstreamModel : request.model;
  const tokens = end.tokens;
  const now = env.clock.now();
  const record: UsageRecord = {
    requestId: call.requestId,
    apiKeyId: view.key.id,
    userId: view.user.id,
    groupId: group.id,
    accountId: route?.account.row.id ?? null,
    channelId: channel?.id ?? null,
    endpoint: endpoint.path,
    modelRequested: request.model,
    modelUpstream: upstreamModel,
    stream: request.stream,
    statusCode: end.status,
    errorCode: end.errorCode,
    promptTokens: tokens?.promptTokens ?? 0,
    completionTokens: tokens?.completionTokens ?? 0,
    cachedTokens: tokens?.cachedTokens ?? 0,
    cacheWriteTokens: tokens?.cacheWriteTokens ?? 0,
    usageEstimated: tokens?.estimated ?? false,
    translatedFrom: call.translation?.from ?? null,
    latencyMs: Math.round(now - call.startedAt),
    ttftMs: end.ttftMs ?? null,
    attempts: call.attempts,
    createdAt: new Date(now),
    price: prices.get(billingModel) ?? null,
    rateMultiplierMicros: group.rateMultiplierMicros,
    billingMode: group.billingMode,
    subscriptionId: view.subscription?.id ?? null,
  };
  const charged = chargeOf(record).chargedMicros;
  view.spend.micros += charged;
  call.chargedMicros = charged;
  call.totalTokens = tokens === undefined ? undefined : tokens.promptTokens + tokens.completionTokens;
  env.usage.enqueue(record);
}
