import { z } from 'zod';
import { listQueryBase, timestampSchema } from './common.ts';

/** One admin mutation. `before`/`after` are resource snapshots with secrets redacted. */
export const auditEventSchema = z.object({
  id: z.string(),
  /** Who: e.g. `admin-token`, or a name the caller passed. */
  actor: z.string(),
  /** e.g. `create`, `update`, `delete`, `revoke`, `rotate`, `clear_cooldown`. */
  action: z.string(),
  /** Collection path, e.g. `accounts`, `api-keys`. */
  resource_type: z.string(),
  resource_id: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  request_id: z.string(),
  created_at: timestampSchema,
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** `GET /audit-events`, newest first. */
export const auditEventListQuerySchema = z.object({
  ...listQueryBase,
  actor: z.string().optional(),
  action: z.string().optional(),
  resource_type: z.string().optional(),
  resource_id: z.string().optional(),
  request_id: z.string().optional(),
  since: timestampSchema.optional(),
  until: timestampSchema.optional(),
});
export type AuditEventListQueryInput = z.input<typeof auditEventListQuerySchema>;
export type AuditEventListQuery = z.output<typeof auditEventListQuerySchema>;
