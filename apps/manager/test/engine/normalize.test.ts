import { describe, expect, it } from 'vitest';
import { idempotencyKeyOf, isOurs, labelValueOf, ownershipLabels } from '../../src/engine/labels.ts';
import { bindingEnds, naturalKeys } from '../../src/engine/natural-keys.ts';
import {
  diffOwned,
  gatewayCredentialFingerprint,
  normalizeMoney,
  normalizeOwned,
} from '../../src/engine/normalize.ts';

describe('owned-field normalization', () => {
  it('compares money numerically whatever its spelling', () => {
    expect(normalizeMoney('1')).toBe('1');
    expect(normalizeMoney('1.000000')).toBe('1');
    expect(normalizeMoney(1)).toBe('1');
    expect(normalizeMoney(0.028)).toBe('0.028');
    expect(normalizeMoney('0.2800')).toBe('0.28');
    expect(normalizeMoney(' 12.5 ')).toBe('12.5');
    expect(normalizeMoney('twelve')).toBeNull();
    expect(
      diffOwned('price', { input: '0.28', output: 0.42 }, { input: '0.280000', output: '0.42' }),
    ).toEqual([]);
    expect(diffOwned('group', { rate_multiplier: '1' }, { rate_multiplier: '1.5' })).toEqual([
      'rate_multiplier',
    ]);
  });

  it('treats model lists as sets, mappings by content, and URLs without a trailing slash', () => {
    const wanted = normalizeOwned('account', {
      models: ['b', 'a'],
      model_mapping: { y: '2', x: '1' },
      base_url: 'https://api.example.com/v1/',
    });
    expect(wanted).toEqual({
      models: ['a', 'b'],
      model_mapping: { x: '1', y: '2' },
      base_url: 'https://api.example.com/v1',
    });
    expect(
      diffOwned('account', wanted, {
        models: ['b', 'a', 'a'],
        model_mapping: { x: '1', y: '2' },
        base_url: 'https://api.example.com/v1',
      }),
    ).toEqual([]);
    expect(diffOwned('account', wanted, { ...wanted, models: ['a'] })).toEqual(['models']);
    // Fields the manager does not own are ignored, absent owned fields differ.
    expect(normalizeOwned('user', { name: 'x', balance_usd: '3' })).toEqual({ name: 'x' });
    expect(diffOwned('user', { name: 'x' }, {})).toEqual(['name']);
  });

  it('compares credentials only by the fingerprint the gateway shows', () => {
    expect(gatewayCredentialFingerprint('sk-proj-abcdefghijklmnopa1b2')).toBe('sk-…a1b2');
    expect(gatewayCredentialFingerprint('AIzaSyD-abcdefghijklmnop')).toBe('AIz…mnop');
    expect(gatewayCredentialFingerprint('short-key')).toBe('…');
    const owned = normalizeOwned('account', {
      credential_fingerprint: gatewayCredentialFingerprint('sk-aaaaaaaaaaaa1111'),
    });
    expect(diffOwned('account', owned, { credential_fingerprint: 'sk-…1111' })).toEqual([]);
    expect(diffOwned('account', owned, { credential_fingerprint: 'sk-…2222' })).toEqual([
      'credential_fingerprint',
    ]);
  });
});

describe('natural keys and ownership labels', () => {
  it('names resources by what they are', () => {
    const account = naturalKeys.account('deepseek', 'sha256:0123456789ab');
    expect(account).toBe('deepseek#sha256:0123456789ab');
    const binding = naturalKeys.binding(account, naturalKeys.group('deepseek'));
    expect(binding).toBe('deepseek#sha256:0123456789ab→deepseek');
    expect(bindingEnds(binding)).toEqual({ account, group: 'deepseek' });
    expect(bindingEnds('deepseek')).toBeUndefined();
    expect(naturalKeys.user('acme')).toBe('user:acme');
    expect(naturalKeys.price('deepseek-chat')).toBe('price:deepseek-chat');
    expect(naturalKeys.apiKey('deepseek')).toBe('key:deepseek');
  });

  it('keeps label values printable ASCII within the gateway limit', () => {
    expect(labelValueOf('deepseek#sha256:0123456789ab→deepseek')).toBe(
      'deepseek#sha256:0123456789ab->deepseek',
    );
    expect(labelValueOf('user:ацме')).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(labelValueOf(`user:${'a'.repeat(300)}`)).toMatch(/^sha256:[0-9a-f]{32}$/);
    const labels = ownershipLabels({ batchId: 'bat_1', providerId: 'deepseek', naturalKey: 'a→b' });
    expect(labels).toEqual({
      'relay.manager/managed-by': 'relay-manager',
      'relay.manager/batch': 'bat_1',
      'relay.manager/provider': 'deepseek',
      'relay.manager/key': 'a->b',
    });
    expect(isOurs(labels, 'a→b')).toBe(true);
    expect(isOurs(labels, 'a→c')).toBe(false);
    expect(isOurs({ 'relay.manager/key': 'a->b' }, 'a→b')).toBe(false);
  });

  it('derives the Idempotency-Key from batch and natural key only', () => {
    const key = idempotencyKeyOf('bat_1', 'deepseek#sha256:0123456789ab→deepseek');
    expect(key).toBe(idempotencyKeyOf('bat_1', 'deepseek#sha256:0123456789ab→deepseek'));
    expect(key).not.toBe(idempotencyKeyOf('bat_2', 'deepseek#sha256:0123456789ab→deepseek'));
    expect(key).toMatch(/^[\x21-\x7e]{1,255}$/);
  });
});
