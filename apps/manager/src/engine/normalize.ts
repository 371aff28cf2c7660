import { credentialFingerprint, microsToMoney, moneyToMicros } from '@relay/schemas';
import type { ResourceType } from './resource-types.ts';

/**
 * Owned fields: the fields of a remote resource the manager sets and keeps (manager.md §6), normalized so
 * that two spellings of the same value compare equal — money as decimal strings compared numerically
 * (`"1"` = `"1.000000"`), sets sorted, maps with sorted keys, URLs without a trailing slash, and secrets
 * only as fingerprints. Fields the gateway changes at runtime (status after an upstream 401, balances,
 * cooldowns, last use) are deliberately not owned: reconcile would otherwise fight the gateway.
 */

export type OwnedFields = Record<string, unknown>;

type FieldKind = 'text' | 'money' | 'int' | 'set' | 'map' | 'url' | 'id' | 'json';

/** Per type: owned field → how it is normalized, and whether a PATCH may change it. */
export const OWNED_FIELDS: Record<ResourceType, Record<string, { kind: FieldKind; patchable: boolean }>> = {
  user: { name: { kind: 'text', patchable: true } },
  group: {
    name: { kind: 'text', patchable: true },
    rate_multiplier: { kind: 'money', patchable: true },
    rpm_limit: { kind: 'int', patchable: true },
  },
  channel: { name: { kind: 'text', patchable: true } },
  account: {
    name: { kind: 'text', patchable: true },
    base_url: { kind: 'url', patchable: true },
    auth_style: { kind: 'text', patchable: true },
    models: { kind: 'set', patchable: true },
    model_mapping: { kind: 'map', patchable: true },
    protocols: { kind: 'json', patchable: true },
    concurrency: { kind: 'int', patchable: true },
    priority: { kind: 'int', patchable: true },
    // The credential itself is write-only on the gateway: compared by the fingerprint it shows.
    credential_fingerprint: { kind: 'text', patchable: true },
  },
  account_group: {
    account_id: { kind: 'id', patchable: false },
    group_id: { kind: 'id', patchable: false },
  },
  price: {
    model: { kind: 'text', patchable: false },
    input: { kind: 'money', patchable: true },
    output: { kind: 'money', patchable: true },
    cache_read: { kind: 'money', patchable: true },
    cache_write: { kind: 'money', patchable: true },
  },
  api_key: {
    name: { kind: 'text', patchable: true },
    user_id: { kind: 'id', patchable: false },
    group_id: { kind: 'id', patchable: true },
  },
};

/** A decimal string or a number (manifests price in numbers) as the canonical decimal string, e.g. `"0.28"`. */
export function normalizeMoney(value: unknown): string | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    // Manifest numbers are USD per 1M tokens with at most 6 meaningful decimals.
    return microsToMoney(Math.round(value * 1_000_000));
  }
  if (typeof value !== 'string') return null;
  try {
    return microsToMoney(moneyToMicros(value.trim()));
  } catch {
    return null;
  }
}

function normalizeField(kind: FieldKind, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (kind) {
    case 'money':
      return normalizeMoney(value);
    case 'int':
      return typeof value === 'number' ? value : Number(value);
    case 'set':
      return Array.isArray(value) ? [...new Set(value.map(String))].sort() : [];
    case 'map': {
      if (typeof value !== 'object') return {};
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([k, v]) => [k, String(v)] as const,
      );
      return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    case 'url':
      return String(value).trim().replace(/\/+$/, '');
    case 'json':
      return sortedKeys(value);
    default:
      return String(value);
  }
}

/** A JSON value with every object's keys sorted, so key order never reads as drift. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return Object.fromEntries(entries.map(([k, v]) => [k, sortedKeys(v)]));
}

/** Normalizes the owned fields of `type` present in `fields` (unknown fields are dropped). */
export function normalizeOwned(type: ResourceType, fields: Record<string, unknown>): OwnedFields {
  const spec = OWNED_FIELDS[type];
  const out: OwnedFields = {};
  for (const [field, { kind }] of Object.entries(spec)) {
    if (field in fields) out[field] = normalizeField(kind, fields[field]);
  }
  return out;
}

/** The owned fields of a live resource as the admin API returns it. */
export function ownedOfLive(type: ResourceType, live: Record<string, unknown>): OwnedFields {
  return normalizeOwned(type, live);
}

function canonical(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** Owned fields of `desired` whose normalized value differs in `actual` (fields absent from desired are ignored). */
export function diffOwned(type: ResourceType, desired: OwnedFields, actual: OwnedFields): string[] {
  const spec = OWNED_FIELDS[type];
  return Object.keys(desired).filter((field) => {
    const kind = spec[field]?.kind ?? 'text';
    return canonical(normalizeField(kind, desired[field])) !== canonical(normalizeField(kind, actual[field]));
  });
}

/** The subset of `fields` named in `names`. */
export function pick(fields: OwnedFields, names: readonly string[]): OwnedFields {
  return Object.fromEntries(names.filter((n) => n in fields).map((n) => [n, fields[n]]));
}

/** The fingerprint the gateway shows for an account credential (`sk-…a1b2`), from @relay/schemas. */
export const gatewayCredentialFingerprint = credentialFingerprint;
