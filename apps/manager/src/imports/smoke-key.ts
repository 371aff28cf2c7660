import type { Clock } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { fingerprint } from '../crypto/secret-box.ts';
import { applyContextOf, applyOps, batchStatusOf } from '../engine/applier.ts';
import type { BatchRecorder } from '../engine/batches.ts';
import { countItems } from '../engine/batches.ts';
import type { DesiredResource } from '../engine/desired-state.ts';
import type { HostConnections } from '../engine/host-connection.ts';
import { readingHost } from '../engine/host-connection.ts';
import { readHostSnapshot } from '../engine/host-snapshot.ts';
import type { ImportMetrics } from '../engine/import-metrics.ts';
import { naturalKeys } from '../engine/natural-keys.ts';
import { normalizeOwned } from '../engine/normalize.ts';
import { planOps } from '../engine/planner.ts';
import { recordLookup } from '../engine/records.ts';
import { ManagerError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PackCatalog } from '../packs/pack-catalog.ts';
import { CONFIRMED_RESOURCE_STATUSES } from '../store/managed-resources-repo.ts';
import type { Store } from '../store/store.ts';

/** Opening balance of the smoke user: a few chat completions of "pong" cost far less. */
const SMOKE_USER_BALANCE = '1';

export type SmokeKeyDeps = {
  store: Store;
  connections: HostConnections;
  secrets: SecretBox;
  batches: BatchRecorder;
  packs: PackCatalog;
  importMetrics: ImportMetrics;
  clock: Clock;
  logger: Logger;
};

/**
 * Creates the smoke key a host smoke uses when it is given none (manager.md §4): a `smoke` batch with a user
 * `relay-manager-smoke-<provider>` and a key in an imported group of that provider, both managed resources
 * (rollback of the provider removes them). The key's plaintext is stored sealed on the host row, the only
 * secret of a key the manager keeps, because the smoke must be repeatable.
 */
export class SmokeKeyProvisioner {
  constructor(private readonly deps: SmokeKeyDeps) {}

  /** Runs under the caller's host lease (the smoke's). */
  async create(hostId: string, models: string[] | undefined, requestId: string): Promise<string> {
    const { deps } = this;
    const group = this.#pickGroup(hostId, models);
    const providerId = group.providerId;
    const userName = `relay-manager-smoke${providerId === null ? '' : `-${providerId}`}`;
    const batchId = deps.batches.start({ hostId, providerId, kind: 'smoke', actor: 'smoke', requestId });
    const userKey = naturalKeys.user(userName);
    const desired: DesiredResource[] = [
      {
        type: 'user',
        naturalKey: userKey,
        owned: normalizeOwned('user', { name: userName }),
        createFields: { balance_usd: SMOKE_USER_BALANCE },
        refs: {},
      },
      {
        type: 'api_key',
        naturalKey: `key:smoke:${batchId}`,
        owned: normalizeOwned('api_key', { name: 'relay-manager-smoke' }),
        createFields: {},
        refs: { user: userKey, group: group.naturalKey },
      },
    ];
    const { remote } = deps.connections.open(hostId);
    let items: Awaited<ReturnType<typeof applyOps>>['items'] = [];
    let createdKeys: Awaited<ReturnType<typeof applyOps>>['createdKeys'] = new Map();
    try {
      const snapshot = await readingHost(hostId, () => readHostSnapshot(remote, providerId ?? '', desired));
      const { ops } = planOps(desired, snapshot.resources, recordLookup(deps.store, hostId));
      ({ items, createdKeys } = await applyOps(applyContextOf(deps, remote), {
        batchId,
        hostId,
        providerId,
        ops,
        desired,
        knownIds: new Map(group.remoteId === null ? [] : [[group.naturalKey, group.remoteId]]),
      }));
    } finally {
      deps.batches.finish(batchId, 'smoke', items.length === 0 ? 'failed' : batchStatusOf(items), {
        items,
        counts: countItems(items),
        group: { natural_key: group.naturalKey, remote_id: group.remoteId },
      });
    }
    const key = [...createdKeys.values()][0];
    if (key === undefined) {
      const why = items
        .filter((i) => i.status !== 'created' && i.status !== 'unchanged' && i.status !== 'adopted')
        .map((i) => `${i.natural_key}: ${i.error ?? i.reason ?? i.status}`)
        .join('; ');
      throw new ManagerError('HOST_ERROR', `could not create a smoke key on host ${hostId}: ${why}`, {
        batch_id: batchId,
        items,
      });
    }
    const host = deps.store.hosts.get(hostId);
    if (host !== undefined) {
      deps.store.hosts.update(hostId, {
        smokeKeyCiphertext: deps.secrets.seal(key.secret),
        smokeKeyFingerprint: fingerprint(key.secret),
        smokeKeyRemoteId: key.id,
        updatedAt: deps.clock(),
      });
    }
    deps.logger.info({ host_id: hostId, batch_id: batchId, api_key_id: key.id }, 'smoke key created');
    return key.secret;
  }

  /** The newest imported group, preferring one whose provider serves every requested model. */
  #pickGroup(hostId: string, models: string[] | undefined) {
    const groups = this.deps.store.resources
      .listRecorded(hostId)
      .filter(
        (r) => r.type === 'group' && CONFIRMED_RESOURCE_STATUSES.includes(r.status) && r.remoteId !== null,
      )
      .reverse();
    const serves = (providerId: string | null) => {
      if (models === undefined || models.length === 0 || providerId === null) return true;
      const manifest = this.deps.packs.provider(providerId)?.provider.manifest;
      return manifest !== undefined && models.every((m) => manifest.models.some((pm) => pm.id === m));
    };
    const group = groups.find((g) => serves(g.providerId)) ?? groups[0];
    if (group === undefined) {
      throw new ManagerError(
        'SMOKE_KEY_REQUIRED',
        `host ${hostId} has no smoke key and no imported provider group to create one in: import a provider first (POST /api/providers/{provider_id}/import), or pass {"api_key": "<a tenant key of this host>"}`,
      );
    }
    return group;
  }
}
