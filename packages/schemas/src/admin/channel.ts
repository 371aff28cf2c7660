import { z } from 'zod';
import {
  activeStatusSchema,
  labelsInputSchema,
  listQueryBase,
  modelMapSchema,
  resourceBase,
} from './common.ts';

export const billingModelSchema = z.enum(['requested', 'upstream']);
export type BillingModel = z.infer<typeof billingModelSchema>;

/** A pricing and model-catalogue overlay over groups (not an upstream). */
export const channelSchema = z.object({
  ...resourceBase('chn'),
  name: z.string(),
  status: activeStatusSchema,
  /** When true only models priced in this channel route. */
  restrict_models: z.boolean(),
  /** Applied before the account's mapping. */
  model_mapping: z.record(z.string(), z.string()),
  /** Which model name is billed: the one requested or the one sent upstream. */
  billing_model: billingModelSchema,
});
export type Channel = z.infer<typeof channelSchema>;

const channelMutableFields = {
  name: z.string().min(1).max(200),
  status: activeStatusSchema,
  restrict_models: z.boolean(),
  model_mapping: modelMapSchema,
  billing_model: billingModelSchema,
  labels: labelsInputSchema,
};

export const channelCreateSchema = z.strictObject({
  ...channelMutableFields,
  status: channelMutableFields.status.default('active'),
  restrict_models: channelMutableFields.restrict_models.default(false),
  model_mapping: channelMutableFields.model_mapping.default({}),
  billing_model: channelMutableFields.billing_model.default('requested'),
  labels: channelMutableFields.labels.default({}),
});
export type ChannelCreateInput = z.input<typeof channelCreateSchema>;
export type ChannelCreate = z.output<typeof channelCreateSchema>;

export const channelUpdateSchema = z.strictObject(channelMutableFields).partial();
export type ChannelUpdateInput = z.input<typeof channelUpdateSchema>;
export type ChannelUpdate = z.output<typeof channelUpdateSchema>;

export const channelListQuerySchema = z.object({
  ...listQueryBase,
  status: activeStatusSchema.optional(),
  name: z.string().optional(),
});
export type ChannelListQueryInput = z.input<typeof channelListQuerySchema>;
export type ChannelListQuery = z.output<typeof channelListQuerySchema>;
