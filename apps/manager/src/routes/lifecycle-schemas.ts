import { z } from '@hono/zod-openapi';

/** Request pieces shared by the import, access and reconcile routes (manager.md §6). */

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const hostId = z.string().regex(/^hst_[0-9a-z]{26}$/, 'is not a host id');
export const batchId = z.string().regex(/^bat_[0-9a-z]{26}$/, 'is not a batch id');
export const planId = z.string().regex(/^pln_[0-9a-z]{26}$/, 'is not a plan id');
export const runId = z.string().regex(/^rrn_[0-9a-z]{26}$/, 'is not a reconcile run id');
export const providerId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'is not a provider id')
  .openapi({ example: 'deepseek' });

export const providerIdParam = z.object({
  provider_id: providerId.openapi({ param: { name: 'provider_id', in: 'path' } }),
});

export const decimal = z.union([
  z.number().nonnegative().max(1_000_000),
  z.string().regex(/^\d+(\.\d{1,6})?$/, 'must be a decimal such as "1.5"'),
]);

export const previewBody = z
  .object({
    host_id: hostId,
    credentials: z
      .array(
        z
          .object({
            api_key: z.string().min(1).max(8192),
            name: z.string().trim().min(1).max(200).optional(),
          })
          .strict(),
      )
      .min(1, 'at least one credential')
      .max(100),
    options: z
      .object({
        base_url: z
          .url({ protocol: /^https?$/ })
          .max(2048)
          .optional()
          .openapi({ description: "Overrides the provider's base_url (a private mirror, a local mock)" }),
        models: z.array(z.string().min(1).max(200)).max(1000).optional(),
        group: z
          .object({
            name: z.string().trim().min(1).max(100).optional(),
            rate_multiplier: decimal.optional(),
            rpm_limit: z.number().int().min(0).max(1_000_000_000).optional(),
          })
          .strict()
          .optional(),
        create_api_key: z.boolean().optional(),
        user: z
          .object({
            name: z.string().trim().min(1).max(200),
            balance_usd: z
              .string()
              .regex(/^\d+(\.\d{1,6})?$/, 'must be a decimal such as "10"')
              .optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  // Strict: a misspelt option is a 400, and an import body cannot mix plan_id with a preview body.
  .strict()
  .openapi('PreviewImportRequest');

const planOpSchema = z
  .object({
    action: z.enum(['create', 'update', 'no-op', 'adopt', 'conflict']),
    type: z.string(),
    natural_key: z.string(),
    remote_id: z.string().optional(),
    remote_version: z.number().optional(),
    before: z.record(z.string(), z.unknown()).optional(),
    after: z.record(z.string(), z.unknown()).optional(),
    changed_fields: z.array(z.string()).optional(),
    reason: z.string().optional(),
    depends_on: z.array(z.string()).optional(),
  })
  .openapi('PlanOp');

export const planSchema = z
  .object({
    plan_id: z.string(),
    host_id: z.string(),
    provider_id: z.string(),
    pack_id: z.string(),
    snapshot_hash: z.string(),
    created_at: z.string(),
    expires_at: z.string(),
    credentials: z.array(z.object({ fingerprint: z.string(), name: z.string().nullable() })),
    ops: z.array(planOpSchema),
    closure: z.unknown(),
    warnings: z.array(z.string()),
  })
  .openapi('ImportPlan');

export const applyItemSchema = z
  .object({
    type: z.string(),
    natural_key: z.string(),
    action: z.string(),
    status: z.enum([
      'created',
      'adopted',
      'updated',
      'unchanged',
      'conflict',
      'unknown',
      'failed',
      'skipped',
    ]),
    remote_id: z.string().nullable(),
    resource_id: z.string().nullable(),
    changed_fields: z.array(z.string()).optional(),
    reason: z.string().optional(),
    error: z.string().optional(),
    warning: z.string().optional(),
  })
  .openapi('ApplyItem');

export const accessReportSchema = z
  .object({
    ok: z.boolean(),
    host_id: z.string(),
    provider_id: z.string(),
    checked_at: z.string(),
    message: z.string().optional(),
    groups: z.array(
      z.object({
        group_id: z.string(),
        natural_key: z.string(),
        ok: z.boolean(),
        routable: z.boolean(),
        missing: z.array(
          z.object({ reason: z.string(), message: z.string(), ids: z.record(z.string(), z.unknown()) }),
        ),
      }),
    ),
  })
  .openapi('AccessReport');

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable() });
