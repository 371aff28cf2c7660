import { z } from 'zod';
import {
  activeStatusSchema,
  labelsInputSchema,
  limitSchema,
  listQueryBase,
  moneySchema,
  resourceBase,
} from './common.ts';

/** A tenant. `balance_usd` is debited by usage in balance-mode groups. */
export const userSchema = z.object({
  ...resourceBase('usr'),
  name: z.string(),
  email: z.string().nullable(),
  status: activeStatusSchema,
  balance_usd: moneySchema,
  /** 0 = unlimited. */
  concurrency_limit: z.number().int(),
  /** 0 = unlimited. */
  rpm_limit: z.number().int(),
});
export type User = z.infer<typeof userSchema>;

const userFields = {
  name: z.string().min(1).max(200),
  email: z.email().max(320).nullable(),
  status: activeStatusSchema,
  balance_usd: moneySchema,
  concurrency_limit: limitSchema,
  rpm_limit: limitSchema,
  labels: labelsInputSchema,
};

export const userCreateSchema = z.strictObject({
  ...userFields,
  email: userFields.email.optional().default(null),
  status: userFields.status.default('active'),
  balance_usd: userFields.balance_usd.default('0'),
  concurrency_limit: userFields.concurrency_limit.default(10),
  rpm_limit: userFields.rpm_limit.default(0),
  labels: userFields.labels.default({}),
});
/** What a caller sends. */
export type UserCreateInput = z.input<typeof userCreateSchema>;
/** What the server gets after parsing (defaults applied). */
export type UserCreate = z.output<typeof userCreateSchema>;

/** PATCH body; `labels` replaces the whole map. */
export const userUpdateSchema = z.strictObject(userFields).partial();
export type UserUpdateInput = z.input<typeof userUpdateSchema>;
export type UserUpdate = z.output<typeof userUpdateSchema>;

export const userListQuerySchema = z.object({
  ...listQueryBase,
  status: activeStatusSchema.optional(),
  email: z.string().optional(),
  name: z.string().optional(),
});
export type UserListQueryInput = z.input<typeof userListQuerySchema>;
export type UserListQuery = z.output<typeof userListQuerySchema>;
