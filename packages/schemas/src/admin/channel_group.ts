import { z } from 'zod';
import { channelIdSchema, groupIdSchema, labelsInputSchema, listQueryBase, resourceBase } from './common.ts';

/** Puts a group under a channel; a group belongs to at most one channel (409 otherwise). */
export const channelGroupSchema = z.object({
  ...resourceBase('cgb'),
  channel_id: z.string(),
  group_id: z.string(),
});
export type ChannelGroup = z.infer<typeof channelGroupSchema>;

export const channelGroupCreateSchema = z.strictObject({
  channel_id: channelIdSchema,
  group_id: groupIdSchema,
  labels: labelsInputSchema.default({}),
});
export type ChannelGroupCreateInput = z.input<typeof channelGroupCreateSchema>;
export type ChannelGroupCreate = z.output<typeof channelGroupCreateSchema>;

/** PATCH body: only labels; the link itself is immutable. */
export const channelGroupUpdateSchema = z.strictObject({ labels: labelsInputSchema }).partial();
export type ChannelGroupUpdateInput = z.input<typeof channelGroupUpdateSchema>;
export type ChannelGroupUpdate = z.output<typeof channelGroupUpdateSchema>;

export const channelGroupListQuerySchema = z.object({
  ...listQueryBase,
  channel_id: channelIdSchema.optional(),
  group_id: groupIdSchema.optional(),
});
export type ChannelGroupListQueryInput = z.input<typeof channelGroupListQuerySchema>;
export type ChannelGroupListQuery = z.output<typeof channelGroupListQuerySchema>;
