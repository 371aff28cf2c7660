import type { ProviderManifest } from '@relay/manifests';
import type { ApplyContext, ApplyItem } from '../engine/applier.ts';
import { applyOps } from '../engine/applier.ts';
import type { ImportOptions } from '../engine/desired-state.ts';
import { desiredResources } from '../engine/desired-state.ts';
import { emptyResources } from '../engine/host-snapshot.ts';
import { ownershipSelectors } from '../engine/labels.ts';
import type { RecordLookup } from '../engine/planner.ts';
import { planOps } from '../engine/planner.ts';
import type { LiveResource } from '../engine/remote-resources.ts';

const CONFIRMED = new Set(['created', 'adopted', 'updated', 'unchanged']);

export type ItemImportInput = {
  batchId: string;
  hostId: string;
  providerId: string;
  manifest: ProviderManifest;
  options: ImportOptions;
  /** The run's group, prepared before the items. */
  group: { naturalKey: string; live: LiveResource };
  credential: { api_key: string; name?: string | undefined };
  records: RecordLookup;
  verify: boolean;
};

export type ItemImportOutcome = {
  status: 'succeeded' | 'failed';
  remoteWrite: 'none' | 'confirmed' | 'unknown';
  resourceIds: string[];
  accountId: string | null;
  error: string | null;
};

/**
 * One item of a batch run: the account of one credential and its binding to the run's group, planned and
 * applied through the write engine. It reads only what this item needs: the account by its natural-key
 * label (a write whose answer was lost is found and adopted, never created twice) and by name + credential,
 * and the bindings of that account. With `verify`, the new account makes one tiny upstream call through
 * the gateway; a rejected credential disables the account (still recorded, so rollback removes it).
 */
export async function importItem(ctx: ApplyContext, input: ItemImportInput): Promise<ItemImportOutcome> {
  const { resources } = desiredResources(input.providerId, input.manifest, [input.credential], {
    ...input.options,
    create_api_key: false,
  });
  const desired = resources.filter(
    (r) => r.type === 'group' || r.type === 'account' || r.type === 'account_group',
  );
  const account = desired.find((r) => r.type === 'account');
  const binding = desired.find((r) => r.type === 'account_group');
  if (account === undefined || binding === undefined) throw new Error('no account in the desired state');

  const live = emptyResources();
  live.group = [input.group.live];
  const [byLabel, byName] = await Promise.all([
    ctx.remote.list('account', { label: ownershipSelectors({ naturalKey: account.naturalKey }) }),
    ctx.remote.list('account', { name: String(account.owned.name) }),
  ]);
  live.account = dedupe([...byLabel, ...byName]);
  const bindingReads = [
    ctx.remote.list('account_group', { label: ownershipSelectors({ naturalKey: binding.naturalKey }) }),
  ];
  for (const acc of live.account) bindingReads.push(ctx.remote.list('account_group', { account_id: acc.id }));
  live.account_group = dedupe((await Promise.all(bindingReads)).flat());

  const planned = planOps(desired, live, input.records);
  const ops = planned.ops.filter((op) => op.type !== 'group');
  const result = await applyOps(ctx, {
    batchId: input.batchId,
    hostId: input.hostId,
    providerId: input.providerId,
    ops,
    desired,
    knownIds: new Map([[input.group.naturalKey, input.group.live.id]]),
  });
  const accountItem = result.items.find((i) => i.type === 'account');
  const resourceIds = result.items.map((i) => i.resource_id).filter((id): id is string => id !== null);
  const remoteWrite = remoteWriteOf(result.items);
  const bad = result.items.find((i) => !CONFIRMED.has(i.status));
  if (bad !== undefined || accountItem?.remote_id == null) {
    return {
      status: 'failed',
      remoteWrite,
      resourceIds,
      accountId: accountItem?.remote_id ?? null,
      error: describe(bad ?? accountItem),
    };
  }
  const accountId = accountItem.remote_id;
  if (input.verify) {
    const test = await ctx.remote.client.accounts.test(accountId);
    if (!test.ok) {
      await ctx.remote.update('account', accountId, { status: 'disabled' });
      return {
        status: 'failed',
        remoteWrite,
        resourceIds,
        accountId,
        error: `verify: the upstream rejected the credential (status ${test.status}${test.error === undefined ? '' : `: ${test.error}`}); the account is disabled`,
      };
    }
  }
  return { status: 'succeeded', remoteWrite, resourceIds, accountId, error: null };
}

function remoteWriteOf(items: readonly ApplyItem[]): ItemImportOutcome['remoteWrite'] {
  if (items.some((i) => i.status === 'unknown')) return 'unknown';
  return items.some((i) => CONFIRMED.has(i.status)) ? 'confirmed' : 'none';
}

function describe(item: ApplyItem | undefined): string {
  if (item === undefined) return 'the account was not written';
  const why = item.error ?? item.reason ?? item.warning ?? '';
  return `${item.type} ${item.status}${why === '' ? '' : `: ${why}`}`;
}

function dedupe(items: LiveResource[]): LiveResource[] {
  return [...new Map(items.map((item) => [item.id, item])).values()];
}
