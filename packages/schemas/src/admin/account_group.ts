import { z } from 'zod';
import { accountIdSchema, groupIdSchema, labelsInputSchema, listQueryBase, resourceBase } from './common.ts';

/**
 * Binds one account to one group. Bindings are created and deleted one by one (never "replace
 * the set") so concurrent operators never overwrite each other.
 */
export const accountGroupSchema = z.object({
  ...resourceBase('agb'),
  account_id: z.string(),
  group_id: z.string(),
  /** Overrides the account's priority inside this group; null = the account's own. */
  priority: z.number().int().nullable(),
});
export type AccountGroup = z.infer<typeof accountGroupSchema>;

const priorityOverride = z.number().int().min(0).max(1_000_000).nullable();

export const accountGroupCreateSchema = z.strictObject({
  account_id: accountIdSchema,
  group_id: groupIdSchema,
  priority: priorityOverride.optional().default(null),
  labels: labelsInputSchema.default({}),
});
export type AccountGroupCreateInput = z.input<typeof accountGroupCreateSchema>;
export type AccountGroupCreate = z.output<typeof accountGroupCreateSchema>;

/** PATCH body: the linked account and group are immutable (delete and re-create instead). */
export const accountGroupUpdateSchema = z
  .strictObject({ priority: priorityOverride, labels: labelsInputSchema })
  .partial();
export type AccountGroupUpdateInput = z.input<typeof accountGroupUpdateSchema>;
export type AccountGroupUpdate = z.output<typeof accountGroupUpdateSchema>;

export const accountGroupListQuerySchema = z.object({
  ...listQueryBase,
  account_id: accountIdSchema.optional(),
  group_id: groupIdSchema.optional(),
});
export type AccountGroupListQueryInput = z.input<typeof accountGroupListQuerySchema>;
export type AccountGroupListQuery = z.output<typeof accountGroupListQuerySchema>;
