import type { ProviderManifest } from '@relay/manifests';
import { fingerprint } from '../crypto/secret-box.ts';
import { ManagerError } from '../errors.ts';
import { naturalKeys } from './natural-keys.ts';
import type { OwnedFields } from './normalize.ts';
import { gatewayCredentialFingerprint, normalizeMoney, normalizeOwned } from './normalize.ts';
import type { ResourceType } from './resource-types.ts';

export type ImportCredential = { api_key: string; name?: string | undefined };

export type ImportOptions = {
  base_url?: string | undefined;
  models?: string[] | undefined;
  group?:
    | {
        name?: string | undefined;
        rate_multiplier?: number | string | undefined;
        rpm_limit?: number | undefined;
      }
    | undefined;
  create_api_key?: boolean | undefined;
  user?: { name: string; balance_usd?: string | undefined } | undefined;
};

/** Natural keys a resource points at; resolved to remote ids when it is written. */
export type ResourceRefs = { user?: string; group?: string; account?: string };

/** The remote field each reference fills. */
export const REF_FIELDS = { user: 'user_id', group: 'group_id', account: 'account_id' } as const;

/** One resource the import wants on the host. */
export type DesiredResource = {
  type: ResourceType;
  naturalKey: string;
  /** Owned fields, normalized, without the reference ids (those are resolved at apply time). */
  owned: OwnedFields;
  /** Sent on create only and never reconciled (platform, opening balance). */
  createFields: Record<string, unknown>;
  refs: ResourceRefs;
  /** Accounts: the upstream credential (plaintext, in memory only; stored sealed). */
  secret?: string;
  /** The manager's fingerprint of `secret` (`sha256:…`), the only form shown. */
  secretFingerprint?: string;
};

/** Every resource of an import: the provider manifest with the caller's options applied. */
export function desiredResources(
  providerId: string,
  manifest: ProviderManifest,
  credentials: readonly ImportCredential[],
  options: ImportOptions = {},
): { resources: DesiredResource[]; warnings: string[] } {
  const warnings: string[] = [];
  const models = selectModels(manifest, options.models);
  const groupName = options.group?.name ?? manifest.defaults.group.name;
  const groupKey = naturalKeys.group(groupName);
  const rateMultiplier = normalizeMoney(
    options.group?.rate_multiplier ?? manifest.defaults.group.rate_multiplier,
  );
  if (rateMultiplier === null || rateMultiplier.startsWith('-')) {
    throw new ManagerError(
      'VALIDATION_FAILED',
      'options.group.rate_multiplier must be a non-negative decimal',
      {
        issues: [{ path: 'body.options.group.rate_multiplier', message: 'must be a non-negative decimal' }],
      },
    );
  }
  const resources: DesiredResource[] = [];

  let userKey: string | undefined;
  if (options.create_api_key === true) {
    const userName = options.user?.name ?? `${providerId}-tenant`;
    userKey = naturalKeys.user(userName);
    const balance = normalizeMoney(options.user?.balance_usd ?? '0') ?? '0';
    if (balance === '0') {
      warnings.push(
        `user ${userName} is created with balance 0: its key is refused with INSUFFICIENT_BALANCE until the user is funded (options.user.balance_usd)`,
      );
    }
    resources.push({
      type: 'user',
      naturalKey: userKey,
      owned: normalizeOwned('user', { name: userName }),
      createFields: { balance_usd: balance },
      refs: {},
    });
  }

  resources.push({
    type: 'group',
    naturalKey: groupKey,
    owned: normalizeOwned('group', {
      name: groupName,
      rate_multiplier: rateMultiplier,
      rpm_limit: options.group?.rpm_limit ?? manifest.defaults.group.rpm_limit ?? 0,
    }),
    createFields: { platform: manifest.platform },
    refs: {},
  });

  const baseUrl = options.base_url ?? manifest.base_url;
  const upstreamModels = models.map((m) => m.upstream_id ?? m.id);
  const mapping = Object.fromEntries(
    models
      .filter((m) => m.upstream_id !== undefined && m.upstream_id !== m.id)
      .map((m) => [m.id, m.upstream_id]),
  );
  const seen = new Set<string>();
  for (const credential of credentials) {
    const secretFingerprint = fingerprint(credential.api_key);
    if (seen.has(secretFingerprint)) {
      warnings.push(`credential ${secretFingerprint} is listed twice; imported once`);
      continue;
    }
    seen.add(secretFingerprint);
    const accountKey = naturalKeys.account(providerId, secretFingerprint);
    resources.push({
      type: 'account',
      naturalKey: accountKey,
      owned: normalizeOwned('account', {
        name:
          credential.name ??
          `${providerId}-${secretFingerprint.slice('sha256:'.length, 'sha256:'.length + 8)}`,
        base_url: baseUrl,
        auth_style: manifest.auth_style,
        models: upstreamModels,
        model_mapping: mapping,
        // Only when the manifest declares them: a gateway without protocol support never sees the field.
        ...(manifest.protocols === undefined ? {} : { protocols: manifest.protocols }),
        concurrency: manifest.defaults.account.concurrency,
        priority: manifest.defaults.account.priority,
        credential_fingerprint: gatewayCredentialFingerprint(credential.api_key),
      }),
      createFields: { platform: manifest.platform },
      refs: {},
      secret: credential.api_key,
      secretFingerprint,
    });
    resources.push({
      type: 'account_group',
      naturalKey: naturalKeys.binding(accountKey, groupKey),
      owned: {},
      createFields: {},
      refs: { account: accountKey, group: groupKey },
    });
  }

  for (const model of models) {
    resources.push({
      type: 'price',
      naturalKey: naturalKeys.price(model.id),
      owned: normalizeOwned('price', {
        model: model.id,
        input: model.price.input,
        output: model.price.output,
        cache_read: model.price.cache_read ?? 0,
        cache_write: model.price.cache_write ?? 0,
      }),
      createFields: {},
      refs: {},
    });
  }

  if (userKey !== undefined) {
    resources.push({
      type: 'api_key',
      naturalKey: naturalKeys.apiKey(groupName),
      owned: normalizeOwned('api_key', { name: `${groupName}-key` }),
      createFields: {},
      refs: { user: userKey, group: groupKey },
    });
  }
  return { resources, warnings };
}

function selectModels(manifest: ProviderManifest, wanted: string[] | undefined) {
  if (wanted === undefined || wanted.length === 0) return manifest.models;
  const unknown = wanted.filter((id) => !manifest.models.some((m) => m.id === id));
  if (unknown.length > 0) {
    throw new ManagerError(
      'VALIDATION_FAILED',
      `options.models: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a model of ${manifest.id} (known: ${manifest.models.map((m) => m.id).join(', ')})`,
      { issues: [{ path: 'body.options.models', message: `unknown models: ${unknown.join(', ')}` }] },
    );
  }
  return manifest.models.filter((m) => wanted.includes(m.id));
}

/** The owned fields with the reference ids filled in from `idOf` (a reference not yet created stays absent). */
export function resolvedOwned(
  resource: DesiredResource,
  idOf: (naturalKey: string) => string | undefined,
): OwnedFields {
  const owned: OwnedFields = { ...resource.owned };
  for (const [ref, field] of Object.entries(REF_FIELDS) as [keyof ResourceRefs, string][]) {
    const key = resource.refs[ref];
    if (key === undefined) continue;
    const id = idOf(key);
    if (id !== undefined) owned[field] = id;
  }
  return owned;
}

/** Natural keys a resource depends on (its references), in apply order. */
export function dependenciesOf(resource: Pick<DesiredResource, 'refs'>): string[] {
  return [resource.refs.user, resource.refs.group, resource.refs.account].filter(
    (key): key is string => key !== undefined,
  );
}
