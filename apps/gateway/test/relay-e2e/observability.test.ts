import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callGateway,
  chatBody,
  GATEWAY_START_TIMEOUT_MS,
  MockUpstreams,
  type RelayGateway,
  seedTenant,
  startRelayGateway,
} from '../support/relay-harness.ts';

/** /metrics per upstream account and model, and the tenant cache, as an operator's Prometheus reads them. */
let gateway: RelayGateway;
const mocks = new MockUpstreams();

beforeAll(async () => {
  gateway = await startRelayGateway();
}, GATEWAY_START_TIMEOUT_MS);
afterAll(async () => {
  await mocks.closeAll();
  await gateway?.close();
});

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (wanted.every((pair) => inside.split(',').includes(pair))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

describe('gateway metrics', () => {
  it('counts requests, tokens, cost and latency per upstream account and model, and tenant-cache hits', async () => {
    const mock = await mocks.start();
    const tenant = await seedTenant(gateway.admin, {
      platform: 'openai',
      accounts: [{ mock, models: ['gpt-4o-mini'] }],
    });
    for (let i = 0; i < 3; i += 1) {
      const answer = await callGateway(gateway, '/v1/chat/completions', {
        secret: tenant.secret,
        body: chatBody(),
      });
      expect(answer.status).toBe(200);
    }
    const refused = await callGateway(gateway, '/v1/chat/completions', {
      secret: 'sk-relay-not-a-key',
      body: chatBody(),
    });
    expect(refused.status).toBe(401);
    const unknownModel = await callGateway(gateway, '/v1/chat/completions', {
      secret: tenant.secret,
      body: { ...chatBody(), model: 'no-such-model' },
    });
    expect(unknownModel.status).toBe(404);
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    // Refusals by reason (admission, keys, routing) are counted by error code.
    expect(sample(text, 'relay_gateway_public_errors_total', { code: 'INVALID_API_KEY' })).toBe(1);
    expect(sample(text, 'relay_gateway_public_errors_total', { code: 'MODEL_NOT_FOUND' })).toBe(1);
    const account = tenant.accounts[0]?.id as string;
    const labels = { account, model: 'gpt-4o-mini' };
    expect(
      sample(text, 'relay_gateway_upstream_requests_total', { ...labels, outcome: 'ok', code: '' }),
    ).toBe(3);
    expect(sample(text, 'relay_gateway_upstream_duration_seconds_count', labels)).toBe(3);
    expect(sample(text, 'relay_gateway_tokens_total', { ...labels, kind: 'prompt' })).toBeGreaterThan(0);
    expect(sample(text, 'relay_gateway_tokens_total', { ...labels, kind: 'completion' })).toBeGreaterThan(0);
    expect(
      sample(text, 'relay_gateway_tenant_cache_lookups_total', { result: 'miss' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'relay_gateway_tenant_cache_lookups_total', { result: 'hit' }),
    ).toBeGreaterThanOrEqual(2);
  });
});
