import { z } from 'zod';
import {
  groupIdSchema,
  labelsInputSchema,
  limitSchema,
  listQueryBase,
  modelNameSchema,
  moneySchema,
  nonNegativeMoneySchema,
  resourceBase,
  timestampSchema,
  userIdSchema,
} from './common.ts';

export const apiKeyStatusSchema = z.enum(['active', 'disabled', 'revoked']);
export type ApiKeyStatus = z.infer<typeof apiKeyStatusSchema>;

/** An IP address or CIDR block (v4 or v6), as used in `ip_allow` / `ip_deny`. */
export const ipRuleSchema = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);

/**
 * A tenant API key. Only `key_prefix` is ever shown; the hash stays in the database and the
 * plaintext `sk-relay-…` is returned once, by create and rotate.
 */
export const apiKeySchema = z.object({
  ...resourceBase('key'),
  user_id: z.string(),
  group_id: z.string(),
  name: z.string(),
  key_prefix: z.string(),
  status: apiKeyStatusSchema,
  expires_at: timestampSchema.nullable(),
  /** null = no key quota. */
  quota_usd: moneySchema.nullable(),
  quota_used_usd: moneySchema,
  /** 0 = unlimited. */
  rpm_limit: z.number().int(),
  tpm_limit: z.number().int(),
  concurrency_limit: z.number().int(),
  /** null = every model of the group. */
  allowed_models: z.array(z.string()).nullable(),
  ip_allow: z.array(z.string()),
  ip_deny: z.array(z.string()),
  last_used_at: timestampSchema.nullable(),
  /** Set on the key created by a rotation: the key it replaces. */
  rotated_from: z.string().nullable(),
  /** Set on a rotated-out key: it keeps working until then. */
  grace_until: timestampSchema.nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

const apiKeyMutableFields = {
  name: z.string().min(1).max(200),
  group_id: groupIdSchema,
  /** `revoked` is reached only through `POST /api-keys/:id/revoke`. */
  status: z.enum(['active', 'disabled']),
  expires_at: timestampSchema.nullable(),
  quota_usd: nonNegativeMoneySchema.nullable(),
  rpm_limit: limitSchema,
  tpm_limit: limitSchema,
  concurrency_limit: limitSchema,
  allowed_models: z.array(modelNameSchema).max(1000).nullable(),
  ip_allow: z.array(ipRuleSchema).max(256),
  ip_deny: z.array(ipRuleSchema).max(256),
  labels: labelsInputSchema,
};

export const apiKeyCreateSchema = z.strictObject({
  ...apiKeyMutableFields,
  user_id: userIdSchema,
  status: apiKeyMutableFields.status.default('active'),
  expires_at: apiKeyMutableFields.expires_at.optional().default(null),
  quota_usd: apiKeyMutableFields.quota_usd.optional().default(null),
  rpm_limit: apiKeyMutableFields.rpm_limit.default(0),
  tpm_limit: apiKeyMutableFields.tpm_limit.default(0),
  concurrency_limit: apiKeyMutableFields.concurrency_limit.default(0),
  allowed_models: apiKeyMutableFields.allowed_models.optional().default(null),
  ip_allow: apiKeyMutableFields.ip_allow.default([]),
  ip_deny: apiKeyMutableFields.ip_deny.default([]),
  labels: apiKeyMutableFields.labels.default({}),
});
export type ApiKeyCreateInput = z.input<typeof apiKeyCreateSchema>;
export type ApiKeyCreate = z.output<typeof apiKeyCreateSchema>;

/** PATCH body: `user_id` is immutable (a key never changes owner). */
export const apiKeyUpdateSchema = z.strictObject(apiKeyMutableFields).partial();
export type ApiKeyUpdateInput = z.input<typeof apiKeyUpdateSchema>;
export type ApiKeyUpdate = z.output<typeof apiKeyUpdateSchema>;

export const apiKeyListQuerySchema = z.object({
  ...listQueryBase,
  user_id: userIdSchema.optional(),
  group_id: groupIdSchema.optional(),
  status: apiKeyStatusSchema.optional(),
  key_prefix: z.string().optional(),
});
export type ApiKeyListQueryInput = z.input<typeof apiKeyListQuerySchema>;
export type ApiKeyListQuery = z.output<typeof apiKeyListQuerySchema>;

/** Plaintext secrets look like `sk-relay-…`. */
export const API_KEY_SECRET_PREFIX = 'sk-relay-';

/** Answer of create and rotate: the only time the plaintext secret is shown. */
export const apiKeyCreatedSchema = z.object({
  api_key: apiKeySchema,
  secret: z.string().startsWith(API_KEY_SECRET_PREFIX),
});
export type ApiKeyCreated = z.infer<typeof apiKeyCreatedSchema>;

export const MAX_ROTATE_GRACE_SECONDS = 30 * 24 * 3600;

/** `POST /api-keys/:id/rotate`: the old key keeps working for `grace_seconds`. */
export const apiKeyRotateSchema = z.strictObject({
  grace_seconds: z.number().int().min(0).max(MAX_ROTATE_GRACE_SECONDS).default(0),
});
export type ApiKeyRotateInput = z.input<typeof apiKeyRotateSchema>;
export type ApiKeyRotate = z.output<typeof apiKeyRotateSchema>;
