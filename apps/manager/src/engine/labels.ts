import { createHash } from 'node:crypto';

/**
 * Ownership labels the manager puts on every remote resource (manager.md §6), in the spirit of Kubernetes
 * ApplySet labels: `managed-by` says it is ours, `key` carries the natural key so a lost answer can be
 * resolved by looking the resource up, `batch` and `provider` say which import made it.
 */
const LABEL_MANAGED_BY = 'relay.manager/managed-by';
export const LABEL_BATCH = 'relay.manager/batch';
export const LABEL_PROVIDER = 'relay.manager/provider';
export const LABEL_KEY = 'relay.manager/key';
const MANAGED_BY = 'relay-manager';

/** The gateway accepts label values up to 256 characters (packages/schemas admin/common.ts). */
const MAX_LABEL_VALUE = 256;

/**
 * A natural key as a label value. The gateway takes free-form values, but a value also travels in
 * `?label=key=value` selectors and in operators' shells, so it is kept to printable ASCII: `→` (bindings)
 * is written `->`, and anything else non-ASCII or too long becomes `sha256:` + 32 hex digits.
 */
export function labelValueOf(naturalKey: string): string {
  const ascii = naturalKey.replaceAll('→', '->');
  if (/^[\x20-\x7e]*$/.test(ascii) && ascii.length <= MAX_LABEL_VALUE) return ascii;
  return `sha256:${createHash('sha256').update(naturalKey).digest('hex').slice(0, 32)}`;
}

export type OwnershipLabels = Record<string, string>;

export function ownershipLabels(input: {
  batchId: string;
  providerId: string | null;
  naturalKey: string;
}): OwnershipLabels {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_BATCH]: input.batchId,
    ...(input.providerId === null ? {} : { [LABEL_PROVIDER]: input.providerId }),
    [LABEL_KEY]: labelValueOf(input.naturalKey),
  };
}

/** True when `labels` say the resource is the manager's, and (when given) that it is this natural key. */
export function isOurs(labels: Readonly<Record<string, string>>, naturalKey?: string): boolean {
  if (labels[LABEL_MANAGED_BY] !== MANAGED_BY) return false;
  return naturalKey === undefined || labels[LABEL_KEY] === labelValueOf(naturalKey);
}

/** `label=` selectors for the admin API: everything we manage, optionally of one provider or natural key. */
export function ownershipSelectors(filter: { providerId?: string; naturalKey?: string } = {}): string[] {
  const selectors = [`${LABEL_MANAGED_BY}=${MANAGED_BY}`];
  if (filter.providerId !== undefined) selectors.push(`${LABEL_PROVIDER}=${filter.providerId}`);
  if (filter.naturalKey !== undefined) selectors.push(`${LABEL_KEY}=${labelValueOf(filter.naturalKey)}`);
  return selectors;
}

/**
 * The `Idempotency-Key` of a write: derived from (batch id, natural key) only, so every attempt of the same
 * write in the same batch — the admin client's retries included — is replayed by the gateway instead of
 * creating a second resource. Printable ASCII as the gateway requires.
 */
export function idempotencyKeyOf(batchId: string, naturalKey: string, action = 'create'): string {
  const digest = createHash('sha256').update(naturalKey).digest('hex').slice(0, 32);
  return `relay-manager:${batchId}:${action}:${digest}`;
}
