import type {
  AccessSnapshot,
  ClosureGap,
  SnapshotAccount,
  SnapshotAccountGroup,
  SnapshotGroup,
} from '@relay/bindings';
import { evaluateGroupClosure } from '@relay/bindings';
import type { DesiredResource } from './desired-state.ts';
import { dependenciesOf, REF_FIELDS, resolvedOwned } from './desired-state.ts';
import { isOurs, LABEL_KEY, labelValueOf } from './labels.ts';
import type { OwnedFields } from './normalize.ts';
import { diffOwned, OWNED_FIELDS, ownedOfLive, pick } from './normalize.ts';
import type { LiveResource } from './remote-resources.ts';
import type { ResourceType } from './resource-types.ts';
import { inApplyOrder } from './resource-types.ts';

export type PlanAction = 'create' | 'update' | 'no-op' | 'adopt' | 'conflict';

/** One resource of a plan (manager.md §6). */
export type PlanOp = {
  action: PlanAction;
  type: ResourceType;
  natural_key: string;
  remote_id?: string;
  /** Version of the live resource when read (sent as If-Match on update). */
  remote_version?: number;
  /** Owned fields as they are on the host (normalized). */
  before?: OwnedFields;
  /** Owned fields as the import wants them (normalized; references not created yet are absent). */
  after?: OwnedFields;
  changed_fields?: string[];
  reason?: string;
  /** Natural keys this resource references; a failed dependency skips it. */
  depends_on?: string[];
};

/** What the manager's own record says about a natural key on the host. */
export type RecordLookup = {
  /** The confirmed record (created or adopted) of this natural key on the host, if any. */
  confirmed(naturalKey: string): { remoteId: string | null } | undefined;
};

/**
 * Plans an import: for each desired resource, in apply order, what the host has under its natural key and
 * what must happen. Pure: the caller read the snapshot and the records.
 *
 * - nothing found → `create`;
 * - found without our labels → `conflict` (never touched; a group in conflict is still referenced by our
 *   bindings and key, which are ours; anything else depending on a conflict is a conflict too);
 * - found with our labels and recorded by us → `no-op`, or `update` of the owned fields that differ;
 * - found with our labels but not recorded (a lost answer, a lost database) → `adopt` (+ the differing fields).
 */
export function planOps(
  desired: readonly DesiredResource[],
  live: Record<ResourceType, LiveResource[]>,
  records: RecordLookup,
): { ops: PlanOp[]; warnings: string[] } {
  const warnings: string[] = [];
  const ops: PlanOp[] = [];
  const opOf = new Map<string, PlanOp>();
  const ids = new Map<string, string>();
  const idOf = (key: string) => ids.get(key);

  for (const resource of inApplyOrder(desired)) {
    const key = resource.naturalKey;
    const dependsOn = dependenciesOf(resource);
    const base = {
      type: resource.type,
      natural_key: key,
      ...(dependsOn.length > 0 ? { depends_on: dependsOn } : {}),
    };
    const add = (op: PlanOp) => {
      ops.push(op);
      opOf.set(key, op);
    };

    const blockedBy = dependsOn.find((dep) => {
      const depOp = opOf.get(dep);
      return depOp?.action === 'conflict' && depOp.type !== 'group';
    });
    if (blockedBy !== undefined) {
      add({
        ...base,
        action: 'conflict',
        reason: `depends on ${blockedBy}, which exists on the host without relay-manager labels`,
      });
      continue;
    }

    const found = findLive(resource, live, idOf);
    if (found.length > 1) {
      warnings.push(
        `${resource.type} ${key}: ${found.length} resources on the host match (${found.map((r) => r.id).join(', ')}); using ${found[0]?.id}`,
      );
    }
    const current = found[0];
    const after = resolvedOwned(resource, idOf);
    if (current === undefined) {
      const recorded = records.confirmed(key);
      add({
        ...base,
        action: 'create',
        after,
        ...(recorded === undefined
          ? {}
          : {
              reason: `recorded as ${recorded.remoteId ?? 'created'} but gone from the host: created again`,
            }),
      });
      continue;
    }

    if (!isOurs(current.labels, key)) {
      const owner = isOurs(current.labels)
        ? `managed by relay-manager under another natural key (${current.labels[LABEL_KEY] ?? '?'})`
        : 'exists without relay-manager labels';
      add({
        ...base,
        action: 'conflict',
        remote_id: current.id,
        remote_version: current.version,
        before: pick(ownedOfLive(resource.type, current), Object.keys(after)),
        after,
        reason: `${resource.type} ${current.id} ${owner}: left untouched`,
      });
      if (resource.type === 'group') {
        ids.set(key, current.id);
        warnings.push(
          `group ${String(resource.owned.name)} (${current.id}) is not managed by relay-manager: it is left as it is, and the imported bindings and key are attached to it`,
        );
      }
      continue;
    }

    ids.set(key, current.id);
    const liveOwned = ownedOfLive(resource.type, current);
    const changed = diffOwned(resource.type, after, liveOwned);
    // A reference to a resource this plan creates cannot match yet: it will change.
    for (const [ref, field] of Object.entries(REF_FIELDS) as [keyof typeof REF_FIELDS, string][]) {
      const refKey = resource.refs[ref];
      if (refKey !== undefined && ids.get(refKey) === undefined && !changed.includes(field))
        changed.push(field);
    }
    const fixed = changed.filter((field) => OWNED_FIELDS[resource.type][field]?.patchable === false);
    if (fixed.length > 0) {
      add({
        ...base,
        action: 'conflict',
        remote_id: current.id,
        remote_version: current.version,
        before: pick(liveOwned, Object.keys(after)),
        after,
        changed_fields: changed,
        reason: `${fixed.join(', ')} cannot be changed on an existing ${resource.type}: delete it or roll back first`,
      });
      continue;
    }
    const recorded = records.confirmed(key);
    const isRecorded = recorded !== undefined && recorded.remoteId === current.id;
    const action: PlanAction = isRecorded ? (changed.length === 0 ? 'no-op' : 'update') : 'adopt';
    add({
      ...base,
      action,
      remote_id: current.id,
      remote_version: current.version,
      before: pick(liveOwned, Object.keys(after)),
      after,
      ...(changed.length > 0 ? { changed_fields: changed } : {}),
      ...(action === 'adopt'
        ? {
            reason: `${resource.type} ${current.id} carries relay-manager labels but is not recorded: adopted instead of created again`,
          }
        : {}),
    });
  }
  return { ops, warnings };
}

/** Live resources that are `resource`: ours by label first, then by the natural key the gateway knows. */
function findLive(
  resource: DesiredResource,
  live: Record<ResourceType, LiveResource[]>,
  idOf: (key: string) => string | undefined,
): LiveResource[] {
  const items = live[resource.type];
  const labelValue = labelValueOf(resource.naturalKey);
  const ours = items.filter((r) => isOurs(r.labels) && r.labels[LABEL_KEY] === labelValue);
  if (ours.length > 0) return ours;
  const owned = resource.owned;
  switch (resource.type) {
    case 'user':
    case 'group':
    case 'channel':
      return items.filter((r) => r.name === owned.name);
    case 'account':
      // Same name and the same credential (as far as the gateway's fingerprint tells): the same account.
      return items.filter(
        (r) => r.name === owned.name && r.credential_fingerprint === owned.credential_fingerprint,
      );
    case 'price':
      return items.filter((r) => r.model === owned.model && (r.channel_id ?? null) === null);
    case 'account_group': {
      const accountId = resource.refs.account === undefined ? undefined : idOf(resource.refs.account);
      const groupId = resource.refs.group === undefined ? undefined : idOf(resource.refs.group);
      if (accountId === undefined || groupId === undefined) return [];
      return items.filter((r) => r.account_id === accountId && r.group_id === groupId);
    }
    case 'api_key':
      // Tenant keys have no natural identity on the gateway besides our label.
      return [];
  }
}

export type PlannedGroupClosure = {
  natural_key: string;
  /** Null when the plan creates the group. */
  group_id: string | null;
  ok: boolean;
  missing: ClosureGap[];
};

/**
 * The access closure the host would have after the plan (packages/bindings over the live resources with the
 * planned ones added): a plan that would leave a group without a usable account says so before it is applied.
 */
export function predictClosure(
  desired: readonly DesiredResource[],
  ops: readonly PlanOp[],
  live: Record<ResourceType, LiveResource[]>,
  now: Date,
): { ok: boolean; groups: PlannedGroupClosure[] } {
  const opOf = new Map(ops.map((op) => [op.natural_key, op]));
  const idOf = (key: string) => opOf.get(key)?.remote_id ?? `planned:${key}`;
  const groups: SnapshotGroup[] = [];
  const accounts: SnapshotAccount[] = [];
  const bindings: SnapshotAccountGroup[] = [];
  for (const resource of desired) {
    const op = opOf.get(resource.naturalKey);
    const current =
      op?.remote_id === undefined ? undefined : live[resource.type].find((r) => r.id === op.remote_id);
    if (resource.type === 'group') {
      groups.push(
        current === undefined
          ? {
              id: idOf(resource.naturalKey),
              platform: resource.createFields.platform as SnapshotGroup['platform'],
              status: 'active',
              billing_mode: 'balance',
            }
          : (current as unknown as SnapshotGroup),
      );
    } else if (resource.type === 'account' && op?.action !== 'conflict') {
      accounts.push(
        current === undefined
          ? {
              id: idOf(resource.naturalKey),
              platform: resource.createFields.platform as SnapshotAccount['platform'],
              status: 'active',
              schedulable: true,
              models: resource.owned.models as string[],
              model_mapping: resource.owned.model_mapping as Record<string, string>,
            }
          : (current as unknown as SnapshotAccount),
      );
    } else if (resource.type === 'account_group' && op?.action !== 'conflict') {
      const { account, group } = resource.refs;
      if (account !== undefined && group !== undefined) {
        bindings.push({ id: idOf(resource.naturalKey), account_id: idOf(account), group_id: idOf(group) });
      }
    }
  }
  // Bindings already on the host to accounts the snapshot knows (others' accounts are not read).
  for (const binding of live.account_group) {
    if (bindings.some((b) => b.id === binding.id)) continue;
    if (accounts.some((a) => a.id === binding.account_id)) {
      bindings.push(binding as unknown as SnapshotAccountGroup);
    }
  }
  const snapshot: AccessSnapshot = {
    users: [],
    groups,
    accounts,
    accountGroups: bindings,
    apiKeys: [],
    channels: [],
    channelGroups: [],
    prices: [],
    subscriptions: [],
  };
  const reports = desired
    .filter((r) => r.type === 'group')
    .map((group): PlannedGroupClosure => {
      const id = idOf(group.naturalKey);
      const report = evaluateGroupClosure(snapshot, id, now);
      return {
        natural_key: group.naturalKey,
        group_id: id.startsWith('planned:') ? null : id,
        ok: report.ok,
        missing: report.missing,
      };
    });
  return { ok: reports.every((r) => r.ok), groups: reports };
}
