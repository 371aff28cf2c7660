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

/**
 * Money limits hold during a burst: the quota and balance checks count what the gateway has charged
 * since its cached view of the key was loaded, not only what the database already shows.
 */
let gateway: RelayGateway;
const mocks = new MockUpstreams();

beforeAll(async () => {
  gateway = await startRelayGateway();
}, GATEWAY_START_TIMEOUT_MS);

afterAll(async () => {
  await mocks.closeAll();
  await gateway?.close();
});

async function pricedTenant(money: { key?: { quota_usd: string }; user?: { balance_usd: string } }) {
  const mock = await mocks.start();
  const tenant = await seedTenant(gateway.admin, {
    platform: 'openai',
    accounts: [{ mock }],
    key: money.key,
    user: money.user,
  });
  // 1 USD per 1M tokens each way: a mock answer (a few prompt + a few completion tokens) costs ~0.00001 USD.
  await gateway.admin.prices.create({ model: 'gpt-4o-mini', input: '1', output: '1' }).catch(() => undefined);
  return tenant;
}

async function spendUntilRefused(
  secret: string,
  limit: number,
): Promise<{ accepted: number; refusal: unknown }> {
  for (let i = 0; i < limit; i += 1) {
    const answer = await callGateway(gateway, '/v1/chat/completions', {
      secret,
      body: chatBody(`spend ${i}`),
    });
    if (answer.status !== 200) return { accepted: i, refusal: answer.json };
  }
  return { accepted: limit, refusal: undefined };
}

describe('money limits during a burst', () => {
  it('stops a key at its quota before the usage reaches the database', async () => {
    const tenant = await pricedTenant({ key: { quota_usd: '0.00003' } });
    const { accepted, refusal } = await spendUntilRefused(tenant.secret, 20);
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(20);
    expect(refusal).toMatchObject({ error: { code: 'QUOTA_EXCEEDED' } });
  });

  it('stops a user at a zero balance', async () => {
    const tenant = await pricedTenant({ user: { balance_usd: '0.00003' } });
    const { accepted, refusal } = await spendUntilRefused(tenant.secret, 20);
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(20);
    expect(refusal).toMatchObject({ error: { code: 'INSUFFICIENT_BALANCE' } });
  });
});
