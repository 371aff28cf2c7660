import { z } from 'zod';
import { apiKeyIdSchema, groupIdSchema } from './common.ts';

/**
 * `GET /admin/v1/access?group_id=…[&model=…]` or `?api_key_id=…[&model=…]`: exactly one of
 * group_id / api_key_id.
 */
export const accessQuerySchema = z
  .object({
    group_id: groupIdSchema.optional(),
    api_key_id: apiKeyIdSchema.optional(),
    model: z.string().min(1).max(200).optional(),
  })
  .refine((q) => (q.group_id === undefined) !== (q.api_key_id === undefined), {
    message: 'give exactly one of group_id or api_key_id',
  });
export type AccessQueryInput = z.input<typeof accessQuerySchema>;
export type AccessQuery = z.output<typeof accessQuerySchema>;

/**
 * The access-closure report of docs/architecture.md#bindings-and-access-closure (computed by @relay/bindings). `reason` is the
 * code of the first broken link (e.g. `GROUP_HAS_NO_ACCOUNTS`), `ids` names the objects
 * involved. Kept loose: the bindings package owns the detailed shape and may add fields.
 */
export const accessReportSchema = z.looseObject({
  ok: z.boolean(),
  reason: z.string().optional(),
  message: z.string().optional(),
  ids: z.union([z.record(z.string(), z.unknown()), z.array(z.string())]).optional(),
  group_id: z.string().nullable().optional(),
  api_key_id: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  category: z.string().optional(),
  channel_id: z.string().nullable().optional(),
  /** Eligible account ids in selection order (bindings' evaluateAccess). */
  accounts: z.array(z.string()).optional(),
  candidates: z.array(z.record(z.string(), z.unknown())).optional(),
  /** Group queries: every broken link (bindings' evaluateGroupClosure), and whether traffic can flow now. */
  routable: z.boolean().optional(),
  missing: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type AccessReport = z.infer<typeof accessReportSchema>;
