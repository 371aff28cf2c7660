import { z } from 'zod';
import {
  activeStatusSchema,
  labelsInputSchema,
  limitSchema,
  listQueryBase,
  modelMapSchema,
  moneySchema,
  nonNegativeMoneySchema,
  platformSchema,
  resourceBase,
} from './common.ts';

export const billingModeSchema = z.enum(['balance', 'subscription']);
export type BillingMode = z.infer<typeof billingModeSchema>;

/** A group routes a set of keys to the accounts bound to it; its platform never changes. */
export const groupSchema = z.object({
  ...resourceBase('grp'),
  name: z.string(),
  platform: platformSchema,
  status: activeStatusSchema,
  billing_mode: billingModeSchema,
  /** Charged = list cost × rate_multiplier. */
  rate_multiplier: moneySchema,
  /** 0 = unlimited. */
  rpm_limit: z.number().int(),
  /** 0 = unlimited. */
  tpm_limit: z.number().int(),
  /** Subscription-mode window limits; null = unlimited. */
  daily_limit_usd: moneySchema.nullable(),
  weekly_limit_usd: moneySchema.nullable(),
  monthly_limit_usd: moneySchema.nullable(),
  /** Public model name → model name. */
  model_aliases: z.record(z.string(), z.string()),
});
export type Group = z.infer<typeof groupSchema>;

const groupMutableFields = {
  name: z.string().min(1).max(100),
  status: activeStatusSchema,
  billing_mode: billingModeSchema,
  rate_multiplier: nonNegativeMoneySchema,
  rpm_limit: limitSchema,
  tpm_limit: limitSchema,
  daily_limit_usd: nonNegativeMoneySchema.nullable(),
  weekly_limit_usd: nonNegativeMoneySchema.nullable(),
  monthly_limit_usd: nonNegativeMoneySchema.nullable(),
  model_aliases: modelMapSchema,
  labels: labelsInputSchema,
};

export const groupCreateSchema = z.strictObject({
  ...groupMutableFields,
  platform: platformSchema,
  status: groupMutableFields.status.default('active'),
  billing_mode: groupMutableFields.billing_mode.default('balance'),
  rate_multiplier: groupMutableFields.rate_multiplier.default('1'),
  rpm_limit: groupMutableFields.rpm_limit.default(0),
  tpm_limit: groupMutableFields.tpm_limit.default(0),
  daily_limit_usd: groupMutableFields.daily_limit_usd.optional().default(null),
  weekly_limit_usd: groupMutableFields.weekly_limit_usd.optional().default(null),
  monthly_limit_usd: groupMutableFields.monthly_limit_usd.optional().default(null),
  model_aliases: groupMutableFields.model_aliases.default({}),
  labels: groupMutableFields.labels.default({}),
});
export type GroupCreateInput = z.input<typeof groupCreateSchema>;
export type GroupCreate = z.output<typeof groupCreateSchema>;

/** PATCH body: `platform` is immutable; `labels` and `model_aliases` replace the whole map. */
export const groupUpdateSchema = z.strictObject(groupMutableFields).partial();
export type GroupUpdateInput = z.input<typeof groupUpdateSchema>;
export type GroupUpdate = z.output<typeof groupUpdateSchema>;

export const groupListQuerySchema = z.object({
  ...listQueryBase,
  platform: platformSchema.optional(),
  status: activeStatusSchema.optional(),
  billing_mode: billingModeSchema.optional(),
  name: z.string().optional(),
});
export type GroupListQueryInput = z.input<typeof groupListQuerySchema>;
export type GroupListQuery = z.output<typeof groupListQuerySchema>;
