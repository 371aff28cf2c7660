import { z } from 'zod';

/**
 * Building blocks shared by every gateway admin resource (docs/architecture.md#gateway-resources).
 * Resource schemas describe what the API returns; `*CreateSchema` / `*UpdateSchema` are strict
 * so a typo in a field name is a 400, not a silently ignored setting.
 */

/** Money is a decimal string with at most 6 decimals (micro-USD in the database), never a float. */
export const MONEY_PATTERN = /^-?\d+(\.\d{1,6})?$/;
export const moneySchema = z
  .string()
  .regex(MONEY_PATTERN, 'must be a decimal string with at most 6 decimals, e.g. "12.50"');
export const nonNegativeMoneySchema = moneySchema.refine((v) => !v.startsWith('-'), 'must not be negative');
export type Money = z.infer<typeof moneySchema>;

/** ISO 8601 timestamp with `Z` or an offset, as produced by `Date.prototype.toISOString()`. */
export const timestampSchema = z.iso.datetime({ offset: true });

export const platformSchema = z.enum(['openai', 'anthropic']);
export type Platform = z.infer<typeof platformSchema>;

export const activeStatusSchema = z.enum(['active', 'disabled']);
export type ActiveStatus = z.infer<typeof activeStatusSchema>;

/** Limits where 0 means "unlimited". */
export const limitSchema = z.number().int().min(0).max(1_000_000_000);

/** Prefixes of resource ids (`usr_01H…`); ids are sortable by creation time. */
export const ID_PREFIXES = {
  user: 'usr',
  group: 'grp',
  account: 'acc',
  api_key: 'key',
  channel: 'chn',
  account_group: 'agb',
  channel_group: 'cgb',
  price: 'prc',
  usage_event: 'evt',
  audit_event: 'aud',
} as const;
export type IdPrefix = (typeof ID_PREFIXES)[keyof typeof ID_PREFIXES];

/** An id with the given prefix, e.g. `idSchema('grp')` accepts `grp_01HZX…`. */
export function idSchema(prefix: IdPrefix) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9A-Za-z_-]{1,64}$`), `must be an id starting with ${prefix}_`);
}

export const userIdSchema = idSchema(ID_PREFIXES.user);
export const groupIdSchema = idSchema(ID_PREFIXES.group);
export const accountIdSchema = idSchema(ID_PREFIXES.account);
export const apiKeyIdSchema = idSchema(ID_PREFIXES.api_key);
export const channelIdSchema = idSchema(ID_PREFIXES.channel);
export const accountGroupIdSchema = idSchema(ID_PREFIXES.account_group);
export const channelGroupIdSchema = idSchema(ID_PREFIXES.channel_group);
export const priceIdSchema = idSchema(ID_PREFIXES.price);
export const usageEventIdSchema = idSchema(ID_PREFIXES.usage_event);
export const auditEventIdSchema = idSchema(ID_PREFIXES.audit_event);

/**
 * Label keys look like `relay.manager/managed-by`: no `=` or `,` (they separate selectors) and
 * no whitespace. Values are free-form but short.
 */
export const LABEL_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
export const labelKeySchema = z
  .string()
  .regex(LABEL_KEY_PATTERN, 'label keys are 1-128 chars of [A-Za-z0-9._/-]');
export const labelValueSchema = z.string().max(256);
/** Labels as returned (lenient), and as accepted on input (validated, at most 64). */
export const labelsSchema = z.record(z.string(), z.string());
export const labelsInputSchema = z
  .record(labelKeySchema, labelValueSchema)
  .refine((l) => Object.keys(l).length <= 64, 'at most 64 labels');
export type Labels = z.infer<typeof labelsSchema>;

/** String → string maps (model aliases, model mappings). */
export const modelMapSchema = z.record(z.string().min(1).max(200), z.string().min(1).max(200));
export const modelNameSchema = z.string().min(1).max(200);

/** Fields every CRUD resource carries. */
export function resourceBase<P extends IdPrefix>(prefix: P) {
  return {
    id: idSchema(prefix),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    version: z.number().int().min(1),
    labels: labelsSchema,
  };
}

/** `key=value` label selector as used in `?label=key=value` (repeatable, all must match). */
export const labelSelectorSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}=.{0,256}$/s, 'label selector must look like key=value');

export interface LabelSelector {
  key: string;
  value: string;
}

/** Splits `key=value` at the first `=` (keys cannot contain `=`, values may). */
export function parseLabelSelector(selector: string): LabelSelector {
  const at = selector.indexOf('=');
  if (at <= 0) throw new Error(`invalid label selector: ${selector}`);
  return { key: selector.slice(0, at), value: selector.slice(at + 1) };
}

/** True when `labels` carries every selector. */
export function matchesLabelSelectors(labels: Labels, selectors: readonly string[]): boolean {
  return selectors.every((s) => {
    const { key, value } = parseLabelSelector(s);
    return labels[key] === value;
  });
}

/** A query-string boolean (`true`/`false`), also accepting a real boolean. */
export const queryBooleanSchema = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1');

/**
 * Pagination and label selection shared by every list endpoint. `label` may be given once or
 * repeated; it is always normalised to an array.
 */
export const listQueryBase = {
  limit: z.coerce.number<number | string>().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(512).optional(),
  label: z
    .union([labelSelectorSchema, z.array(labelSelectorSchema).max(20)])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
};

export const baseListQuerySchema = z.object(listQueryBase);
export type BaseListQuery = z.infer<typeof baseListQuerySchema>;

/** `{items, next_cursor}`: `next_cursor` is null on the last page. */
export function listResponseSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}
export interface ListResponse<T> {
  items: T[];
  next_cursor: string | null;
}

/** `DELETE /x/:id?cascade=true` removes the resource's bindings too (otherwise 409 HAS_BINDINGS). */
export const deleteQuerySchema = z.object({ cascade: queryBooleanSchema.default(false) });
export type DeleteQuery = z.infer<typeof deleteQuerySchema>;

/** `If-Match: <version>` on PATCH: the version the caller last read. */
export const ifMatchSchema = z.coerce.number<number | string>().int().min(1);

/** Header names of the admin API. */
export const ADMIN_HEADERS = {
  idempotencyKey: 'idempotency-key',
  idempotencyReplayed: 'idempotency-replayed',
  ifMatch: 'if-match',
  requestId: 'x-request-id',
} as const;

/** Idempotency keys: opaque, printable, bounded. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII chars');
