import { z } from 'zod';
import {
  accountIdSchema,
  apiKeyIdSchema,
  groupIdSchema,
  listQueryBase,
  moneySchema,
  timestampSchema,
  userIdSchema,
} from './common.ts';

/** One completed or failed upstream call; `request_id` is unique (charged exactly once). */
export const usageEventSchema = z.object({
  id: z.string(),
  request_id: z.string(),
  api_key_id: z.string(),
  user_id: z.string(),
  group_id: z.string(),
  /** null when the request failed before an account was selected. */
  account_id: z.string().nullable(),
  channel_id: z.string().nullable(),
  endpoint: z.string(),
  model_requested: z.string(),
  model_upstream: z.string().nullable(),
  stream: z.boolean(),
  status_code: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cached_tokens: z.number().int(),
  /** List cost. */
  cost_usd: moneySchema,
  /** cost × group multiplier: what was debited. */
  charged_usd: moneySchema,
  latency_ms: z.number().int(),
  ttft_ms: z.number().int().nullable(),
  attempts: z.number().int(),
  /** True when the upstream reported no usage and tokens were estimated. */
  usage_estimated: z.boolean().default(false),
  /** The caller's protocol when the request was translated for the upstream (`chat`, `messages`, `responses`); null when relayed natively. */
  translated_from: z.string().nullable().default(null),
  created_at: timestampSchema,
});
export type UsageEvent = z.infer<typeof usageEventSchema>;

const usageFilters = {
  api_key_id: apiKeyIdSchema.optional(),
  user_id: userIdSchema.optional(),
  group_id: groupIdSchema.optional(),
  account_id: accountIdSchema.optional(),
  model: z.string().optional(),
  /** Inclusive lower bound on created_at. */
  since: timestampSchema.optional(),
  /** Exclusive upper bound on created_at. */
  until: timestampSchema.optional(),
};

/** `GET /usage/events`, newest first. */
export const usageEventListQuerySchema = z.object({
  ...listQueryBase,
  ...usageFilters,
  request_id: z.string().optional(),
});
export type UsageEventListQueryInput = z.input<typeof usageEventListQuerySchema>;
export type UsageEventListQuery = z.output<typeof usageEventListQuerySchema>;

export const usageGroupBySchema = z.enum(['model', 'api_key_id', 'user_id', 'group_id', 'account_id', 'day']);
export type UsageGroupBy = z.infer<typeof usageGroupBySchema>;

/** `GET /usage/summary`: sums grouped by one dimension (`day` keys are `YYYY-MM-DD`, UTC). */
export const usageSummaryQuerySchema = z.object({
  group_by: usageGroupBySchema.default('model'),
  ...usageFilters,
});
export type UsageSummaryQueryInput = z.input<typeof usageSummaryQuerySchema>;
export type UsageSummaryQuery = z.output<typeof usageSummaryQuerySchema>;

export const usageSummaryItemSchema = z.object({
  /** The group's value; null for events without it (e.g. no account). */
  key: z.string().nullable(),
  requests: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cached_tokens: z.number().int(),
  cost_usd: moneySchema,
  charged_usd: moneySchema,
});
export type UsageSummaryItem = z.infer<typeof usageSummaryItemSchema>;

export const usageSummarySchema = z.object({ items: z.array(usageSummaryItemSchema) });
export type UsageSummary = z.infer<typeof usageSummarySchema>;
