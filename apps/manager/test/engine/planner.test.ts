import type { ProviderManifest } from '@relay/manifests';
import { loadPackRepository } from '@relay/manifests';
import { beforeAll, describe, expect, it } from 'vitest';
import { monorepoRoot } from '../../src/config.ts';
import type { DesiredResource } from '../../src/engine/desired-state.ts';
import { desiredResources } from '../../src/engine/desired-state.ts';
import { emptyResources } from '../../src/engine/host-snapshot.ts';
import { ownershipLabels } from '../../src/engine/labels.ts';
import type { RecordLookup } from '../../src/engine/planner.ts';
import { planOps, predictClosure } from '../../src/engine/planner.ts';
import type { LiveResource } from '../../src/engine/remote-resources.ts';

let deepseek: ProviderManifest;
beforeAll(async () => {
  const repo = await loadPackRepository(monorepoRoot());
  const manifest = repo.packs.flatMap((p) => p.providers).find((p) => p.id === 'deepseek')?.manifest;
  if (manifest === undefined) throw new Error('the built-in deepseek manifest is missing');
  deepseek = manifest;
});

const CREDENTIAL = 'sk-test-credential-0001';
const noRecords: RecordLookup = { confirmed: () => undefined };

function desired(options: Parameters<typeof desiredResources>[3] = {}): DesiredResource[] {
  return desiredResources('deepseek', deepseek, [{ api_key: CREDENTIAL }], {
    base_url: 'http://127.0.0.1:9/v1',
    ...options,
  }).resources;
}

let seq = 0;
function live(fields: Record<string, unknown>, labels: Record<string, string> = {}): LiveResource {
  seq += 1;
  return { id: `x_${seq}`, version: 1, labels, ...fields } as LiveResource;
}
const ours = (naturalKey: string) =>
  ownershipLabels({ batchId: 'bat_old', providerId: 'deepseek', naturalKey });

describe('desiredResources', () => {
  it('turns the manifest and the options into natural keys and owned fields', () => {
    const all = desired({
      create_api_key: true,
      user: { name: 'acme' },
      models: ['deepseek-chat'],
      group: { rate_multiplier: '1.50' },
    });
    expect(all.map((d) => `${d.type} ${d.naturalKey}`)).toEqual([
      'user user:acme',
      'group deepseek',
      expect.stringMatching(/^account deepseek#sha256:[0-9a-f]{12}$/),
      expect.stringMatching(/^account_group deepseek#sha256:[0-9a-f]{12}→deepseek$/),
      'price price:deepseek-chat',
      'api_key key:deepseek',
    ]);
    expect(all.find((d) => d.type === 'group')?.owned).toEqual({
      name: 'deepseek',
      rate_multiplier: '1.5',
      rpm_limit: 0,
    });
    const account = all.find((d) => d.type === 'account');
    expect(account?.owned).toMatchObject({ models: ['deepseek-chat'], credential_fingerprint: 'sk-…0001' });
    expect(JSON.stringify(account?.owned)).not.toContain(CREDENTIAL);
    expect(all.find((d) => d.type === 'price')?.owned).toEqual({
      model: 'deepseek-chat',
      input: '0.28',
      output: '0.42',
      cache_read: '0.028',
      cache_write: '0',
    });
    expect(() => desired({ models: ['nope'] })).toThrow(/nope/);
  });
});

describe('planOps', () => {
  it('creates everything on an empty host, in apply order', () => {
    const { ops } = planOps(desired({ create_api_key: true }), emptyResources(), noRecords);
    expect(ops.map((op) => `${op.action} ${op.type}`)).toEqual([
      'create user',
      'create group',
      'create account',
      'create account_group',
      'create price',
      'create price',
      'create api_key',
    ]);
    expect(ops.find((op) => op.type === 'api_key')?.depends_on).toEqual(['user:deepseek-tenant', 'deepseek']);
  });

  it('is a no-op for recorded resources whose owned fields match, whatever the money spelling', () => {
    const resources = emptyResources();
    resources.group.push(
      live({ name: 'deepseek', rate_multiplier: '1.000000', rpm_limit: 0 }, ours('deepseek')),
    );
    resources.price.push(
      live(
        {
          model: 'deepseek-chat',
          channel_id: null,
          input: '0.280',
          output: '0.42',
          cache_read: '0.028',
          cache_write: '0',
        },
        ours('price:deepseek-chat'),
      ),
    );
    const records: RecordLookup = {
      confirmed: (key) => {
        const found = [...resources.group, ...resources.price].find(
          (r) => r.labels['relay.manager/key'] === key,
        );
        return found === undefined ? undefined : { remoteId: found.id };
      },
    };
    const { ops } = planOps(desired({ models: ['deepseek-chat'] }), resources, records);
    expect(ops.filter((op) => op.type === 'group' || op.type === 'price').map((op) => op.action)).toEqual([
      'no-op',
      'no-op',
    ]);
  });

  it('updates differing owned fields of recorded resources and shows before and after', () => {
    const resources = emptyResources();
    const group = live({ name: 'deepseek', rate_multiplier: '2', rpm_limit: 0 }, ours('deepseek'));
    resources.group.push(group);
    const { ops } = planOps(desired(), resources, {
      confirmed: (k) => (k === 'deepseek' ? { remoteId: group.id } : undefined),
    });
    expect(ops.find((op) => op.type === 'group')).toMatchObject({
      action: 'update',
      remote_id: group.id,
      changed_fields: ['rate_multiplier'],
      before: { rate_multiplier: '2' },
      after: { rate_multiplier: '1' },
    });
  });

  it('adopts a labelled resource it has no record of, and never touches an unlabelled one', () => {
    const resources = emptyResources();
    const labelled = desired().find((d) => d.type === 'account');
    resources.account.push(
      live({ ...labelled?.owned, platform: 'openai' }, ours(labelled?.naturalKey ?? '')),
    );
    resources.price.push(
      live({
        model: 'deepseek-chat',
        channel_id: null,
        input: '9',
        output: '9',
        cache_read: '0',
        cache_write: '0',
      }),
    );
    const { ops } = planOps(desired(), resources, noRecords);
    expect(ops.find((op) => op.type === 'account')?.action).toBe('adopt');
    const price = ops.find((op) => op.natural_key === 'price:deepseek-chat');
    expect(price).toMatchObject({ action: 'conflict', before: { input: '9' } });
    expect(price?.reason).toContain('without relay-manager labels');
    // A global price of another channel is not the same natural key.
    expect(ops.find((op) => op.natural_key === 'price:deepseek-reasoner')?.action).toBe('create');
  });

  it('attaches to a group in conflict but blocks what depends on a user in conflict', () => {
    const resources = emptyResources();
    resources.group.push(live({ name: 'deepseek', rate_multiplier: '1', rpm_limit: 0, platform: 'openai' }));
    resources.user.push(live({ name: 'deepseek-tenant' }));
    const { ops, warnings } = planOps(desired({ create_api_key: true }), resources, noRecords);
    const action = (type: string) => ops.find((op) => op.type === type)?.action;
    expect(action('group')).toBe('conflict');
    expect(action('account_group')).toBe('create');
    expect(action('user')).toBe('conflict');
    expect(ops.find((op) => op.type === 'api_key')).toMatchObject({
      action: 'conflict',
      reason: expect.stringContaining('depends on user:deepseek-tenant'),
    });
    expect(warnings.join(' ')).toContain('not managed by relay-manager');
  });

  it('predicts the closure: a new group with a new bound account is routable', () => {
    const all = desired();
    const { ops } = planOps(all, emptyResources(), noRecords);
    const closure = predictClosure(all, ops, emptyResources(), new Date());
    expect(closure).toEqual({
      ok: true,
      groups: [{ natural_key: 'deepseek', group_id: null, ok: true, missing: [] }],
    });
    const withoutAccounts = all.filter((d) => d.type !== 'account' && d.type !== 'account_group');
    const bare = predictClosure(
      withoutAccounts,
      planOps(withoutAccounts, emptyResources(), noRecords).ops,
      emptyResources(),
      new Date(),
    );
    expect(bare.ok).toBe(false);
    expect(bare.groups[0]?.missing.map((m) => m.reason)).toEqual(['GROUP_HAS_NO_ACCOUNTS']);
  });
});
