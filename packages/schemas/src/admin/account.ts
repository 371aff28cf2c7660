import { z } from 'zod';
import {
  groupIdSchema,
  labelsInputSchema,
  listQueryBase,
  modelMapSchema,
  modelNameSchema,
  type Platform,
  platformSchema,
  queryBooleanSchema,
  resourceBase,
  timestampSchema,
} from './common.ts';

export const authStyleSchema = z.enum(['bearer', 'x-api-key']);
export type AuthStyle = z.infer<typeof authStyleSchema>;

export const accountStatusSchema = z.enum(['active', 'disabled', 'error']);
export type AccountStatus = z.infer<typeof accountStatusSchema>;

/** The auth style used when a create omits it: Anthropic's API reads `x-api-key`. */
export function defaultAuthStyle(platform: Platform): AuthStyle {
  return platform === 'anthropic' ? 'x-api-key' : 'bearer';
}

/** Upstream base URLs: http(s) only, no credentials embedded in the URL. */
export const baseUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine((u) => {
    // zod runs refinements even after the url check failed: an unparsable value must not throw here.
    if (!URL.canParse(u)) return true;
    const parsed = new URL(u);
    return parsed.username === '' && parsed.password === '';
  }, 'must not embed credentials');

/** The wire protocols Relay relays: OpenAI chat completions, OpenAI Responses, Anthropic Messages. */
export const protocolSchema = z.enum(['chat', 'responses', 'messages']);
export type Protocol = z.infer<typeof protocolSchema>;

/** Where and how an account speaks one protocol natively; omitted fields fall back to the account's own. */
export const protocolEndpointSchema = z.strictObject({
  base_url: baseUrlSchema.optional(),
  auth_style: authStyleSchema.optional(),
});
export type ProtocolEndpoint = z.infer<typeof protocolEndpointSchema>;

/**
 * The protocols an account's upstream speaks natively. Empty = its platform's own: openai → chat and
 * responses, anthropic → messages. A provider with an Anthropic-compatible endpoint next to its OpenAI
 * one lists both, e.g. `{"chat": {}, "messages": {"base_url": "https://api.deepseek.com/anthropic"}}`.
 * Requests in any other protocol are translated (see @relay/translate).
 */
export const accountProtocolsSchema = z.partialRecord(protocolSchema, protocolEndpointSchema);
export type AccountProtocols = z.infer<typeof accountProtocolsSchema>;

/**
 * An upstream credential. The credential itself is write-only: the API returns only
 * `credential_fingerprint` (e.g. `sk-…a1b2`).
 */
export const accountSchema = z.object({
  ...resourceBase('acc'),
  name: z.string(),
  platform: platformSchema,
  base_url: z.string(),
  credential_fingerprint: z.string(),
  auth_style: authStyleSchema,
  /** Upstream model ids served; empty = any. */
  models: z.array(z.string()),
  /** Requested model → upstream model. */
  model_mapping: z.record(z.string(), z.string()),
  /** Protocols spoken natively (empty = the platform's own); others are translated. */
  protocols: accountProtocolsSchema,
  /** Max in-flight requests; 0 = unlimited. */
  concurrency: z.number().int(),
  /** Lower wins. */
  priority: z.number().int(),
  weight: z.number().int(),
  status: accountStatusSchema,
  /** Manual on/off switch for scheduling, independent of status. */
  schedulable: z.boolean(),
  cooldown_until: timestampSchema.nullable(),
  cooldown_reason: z.string().nullable(),
  last_error: z.string().nullable(),
  last_used_at: timestampSchema.nullable(),
});
export type Account = z.infer<typeof accountSchema>;

const accountMutableFields = {
  name: z.string().min(1).max(200),
  base_url: baseUrlSchema,
  /** Plaintext upstream API key; encrypted at rest, never returned. */
  credential: z.string().min(1).max(8192),
  auth_style: authStyleSchema,
  models: z.array(modelNameSchema).max(1000),
  model_mapping: modelMapSchema,
  protocols: accountProtocolsSchema,
  concurrency: z.number().int().min(0).max(100_000),
  priority: z.number().int().min(0).max(1_000_000),
  weight: z.number().int().min(1).max(1_000_000),
  status: accountStatusSchema,
  schedulable: z.boolean(),
  labels: labelsInputSchema,
};

/** Create body. When `auth_style` is omitted the server uses `defaultAuthStyle(platform)`. */
export const accountCreateSchema = z.strictObject({
  ...accountMutableFields,
  platform: platformSchema,
  auth_style: accountMutableFields.auth_style.optional(),
  models: accountMutableFields.models.default([]),
  model_mapping: accountMutableFields.model_mapping.default({}),
  protocols: accountMutableFields.protocols.default({}),
  concurrency: accountMutableFields.concurrency.default(3),
  priority: accountMutableFields.priority.default(50),
  weight: accountMutableFields.weight.default(1),
  status: accountMutableFields.status.default('active'),
  schedulable: accountMutableFields.schedulable.default(true),
  labels: accountMutableFields.labels.default({}),
});
export type AccountCreateInput = z.input<typeof accountCreateSchema>;
export type AccountCreate = z.output<typeof accountCreateSchema>;

/** PATCH body: `platform` is immutable; sending `credential` replaces the stored credential. */
export const accountUpdateSchema = z.strictObject(accountMutableFields).partial();
export type AccountUpdateInput = z.input<typeof accountUpdateSchema>;
export type AccountUpdate = z.output<typeof accountUpdateSchema>;

export const accountListQuerySchema = z.object({
  ...listQueryBase,
  platform: platformSchema.optional(),
  status: accountStatusSchema.optional(),
  /** Accounts bound to this group. */
  group_id: groupIdSchema.optional(),
  schedulable: queryBooleanSchema.optional(),
  name: z.string().optional(),
});
export type AccountListQueryInput = z.input<typeof accountListQuerySchema>;
export type AccountListQuery = z.output<typeof accountListQuerySchema>;

/** `POST /accounts/:id/test`: one tiny upstream call. `status` is the upstream HTTP status (0 = no answer). */
export const accountTestResultSchema = z.object({
  ok: z.boolean(),
  latency_ms: z.number().int().min(0),
  status: z.number().int(),
  model: z.string(),
  output: z.string().optional(),
  error: z.string().optional(),
});
export type AccountTestResult = z.infer<typeof accountTestResultSchema>;

/** Optional body of `POST /accounts/:id/test`: which model to try (default: the first served). */
export const accountTestRequestSchema = z.strictObject({ model: modelNameSchema.optional() });
export type AccountTestRequest = z.infer<typeof accountTestRequestSchema>;
