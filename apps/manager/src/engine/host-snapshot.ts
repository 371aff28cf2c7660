import { createHash } from 'node:crypto';
import type { DesiredResource } from './desired-state.ts';
import { ownershipSelectors } from './labels.ts';
import type { LiveResource, RemoteResources } from './remote-resources.ts';
import type { ResourceType } from './resource-types.ts';

/** The live resources an import plan depends on, and a hash that changes when any of them does. */
export type HostSnapshot = {
  /** sha256 over (type, id, version) of every resource read: a change, an addition or a removal moves it. */
  hash: string;
  resources: Record<ResourceType, LiveResource[]>;
};

const TYPES_READ: ResourceType[] = ['user', 'group', 'account', 'account_group', 'price', 'api_key'];

export function emptyResources(): Record<ResourceType, LiveResource[]> {
  return { user: [], group: [], channel: [], account: [], account_group: [], price: [], api_key: [] };
}

/**
 * Reads what the plan of `desired` depends on, and nothing more (a big host is never listed whole):
 * everything labelled as ours for the provider, plus each desired resource's natural key looked up the way
 * the gateway identifies it — users and groups by name, accounts by name, global prices, the bindings of the
 * target groups, api keys by their natural-key label. The same inputs issue the same queries, so applying a
 * plan can re-read and compare the hash (a stale plan is refused). Read-only: GETs only.
 */
export async function readHostSnapshot(
  remote: RemoteResources,
  providerId: string,
  desired: readonly DesiredResource[],
): Promise<HostSnapshot> {
  const resources = emptyResources();
  const add = (type: ResourceType, items: LiveResource[]) => {
    const list = resources[type];
    for (const item of items) if (!list.some((r) => r.id === item.id)) list.push(item);
  };

  const labelled = await Promise.all(
    TYPES_READ.map((type) => remote.list(type, { label: ownershipSelectors({ providerId }) })),
  );
  for (const [i, type] of TYPES_READ.entries()) add(type, labelled[i] ?? []);

  const byName = (type: ResourceType) => [
    ...new Set(desired.filter((d) => d.type === type).map((d) => String(d.owned.name))),
  ];
  const lookups: Promise<void>[] = [];
  for (const type of ['user', 'group', 'account'] as const) {
    for (const name of byName(type))
      lookups.push(remote.list(type, { name }).then((items) => add(type, items)));
  }
  if (desired.some((d) => d.type === 'price')) {
    lookups.push(remote.list('price', { channel_id: 'global' }).then((items) => add('price', items)));
  }
  for (const key of desired.filter((d) => d.type === 'api_key')) {
    lookups.push(
      remote
        .list('api_key', { label: ownershipSelectors({ naturalKey: key.naturalKey }) })
        .then((items) => add('api_key', items)),
    );
  }
  await Promise.all(lookups);

  // Bindings of the groups the import targets (known only once the groups are read).
  const groupNames = new Set(byName('group'));
  const groupIds = resources.group.filter((g) => groupNames.has(String(g.name))).map((g) => g.id);
  const bindings = await Promise.all(groupIds.map((group_id) => remote.list('account_group', { group_id })));
  for (const items of bindings) add('account_group', items);

  for (const type of TYPES_READ) resources[type].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { hash: snapshotHash(resources), resources };
}

export function snapshotHash(resources: Record<ResourceType, LiveResource[]>): string {
  const lines: string[] = [];
  for (const type of Object.keys(resources).sort() as ResourceType[]) {
    for (const r of resources[type]) lines.push(`${type}:${r.id}:${r.version}`);
  }
  return `sha256:${createHash('sha256').update(lines.sort().join('\n')).digest('hex')}`;
}
