import { z } from 'zod';
import {
  channelIdSchema,
  labelsInputSchema,
  listQueryBase,
  modelNameSchema,
  moneySchema,
  nonNegativeMoneySchema,
  resourceBase,
} from './common.ts';

/**
 * USD per 1M tokens for one model, globally (`channel_id` null) or inside one channel.
 * Resolution: channel price → global price → unpriced (cost 0, counted and logged).
 */
export const priceSchema = z.object({
  ...resourceBase('prc'),
  model: z.string(),
  channel_id: z.string().nullable(),
  input: moneySchema,
  output: moneySchema,
  cache_read: moneySchema,
  cache_write: moneySchema,
});
export type Price = z.infer<typeof priceSchema>;

const priceMutableFields = {
  input: nonNegativeMoneySchema,
  output: nonNegativeMoneySchema,
  cache_read: nonNegativeMoneySchema,
  cache_write: nonNegativeMoneySchema,
  labels: labelsInputSchema,
};

/** (model, channel_id) is unique: a second price for the same pair is 409 ALREADY_EXISTS. */
export const priceCreateSchema = z.strictObject({
  ...priceMutableFields,
  model: modelNameSchema,
  channel_id: channelIdSchema.nullable().optional().default(null),
  cache_read: priceMutableFields.cache_read.default('0'),
  cache_write: priceMutableFields.cache_write.default('0'),
  labels: priceMutableFields.labels.default({}),
});
export type PriceCreateInput = z.input<typeof priceCreateSchema>;
export type PriceCreate = z.output<typeof priceCreateSchema>;

/** PATCH body: `model` and `channel_id` identify the price and are immutable. */
export const priceUpdateSchema = z.strictObject(priceMutableFields).partial();
export type PriceUpdateInput = z.input<typeof priceUpdateSchema>;
export type PriceUpdate = z.output<typeof priceUpdateSchema>;

export const priceListQuerySchema = z.object({
  ...listQueryBase,
  model: z.string().optional(),
  /** A channel id, or `global` for prices outside any channel. */
  channel_id: z.union([channelIdSchema, z.literal('global')]).optional(),
});
export type PriceListQueryInput = z.input<typeof priceListQuerySchema>;
export type PriceListQuery = z.output<typeof priceListQuerySchema>;
