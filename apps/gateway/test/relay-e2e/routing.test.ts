import { NO_AVAILABLE_ACCOUNTS_PREFIX } from '@relay/bindings';
import { waitFor } from '@relay/testkit';
import { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  anthropicClient,
  callGateway,
  chatBody,
  GATEWAY_START_TIMEOUT_MS,
  MockUpstreams,
  openaiClient,
  type RelayGateway,
  requestIdOf,
  seedTenant,
  startRelayGateway,
  type Tenant,
  usageEventOf,
} from '../support/relay-harness.ts';

/**
 * Issue 4 "Done when" #3–#5: a key never reaches another tenant's accounts or models; sticky
 * sessions keep their account while it is eligible and move when it is not; a missing
 * account → group binding is explained (the seed incident) and fixed without a restart.
 */

let gateway: RelayGateway;
const mocks = new MockUpstreams();

beforeAll(async () => {
  gateway = await startRelayGateway();
}, GATEWAY_START_TIMEOUT_MS);
afterEach(() => mocks.closeAll());
afterAll(() => gateway?.close());

/** A raw chat completion, with the request id the gateway returned (the key of its usage event). */
async function chatAs(tenant: Tenant, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const answer = await callGateway(gateway, '/v1/chat/completions', { secret: tenant.secret, body, headers });
  return { requestId: requestIdOf(answer.headers), ...answer };
}

describe('cross-tenant isolation', () => {
  it("a key never reaches another tenant's accounts or models", async () => {
    const mockA = await mocks.start();
    const mockB = await mocks.start();
    const tenantA = await seedTenant(gateway.admin, {
      platform: 'openai',
      accounts: [{ mock: mockA, models: ['gpt-4o-mini'] }],
    });
    const tenantB = await seedTenant(gateway.admin, {
      platform: 'openai',
      accounts: [{ mock: mockB, models: ['gpt-4o-mini', 'tenant-b-private'] }],
    });
    const clientA = openaiClient(gateway, tenantA.secret);

    // B's model is invisible to A and refused as unknown, not routed anywhere.
    const listed = [];
    for await (const model of clientA.models.list()) listed.push(model.id);
    expect(listed).toEqual(['gpt-4o-mini']);
    const refused = await clientA.chat.completions
      .create({ model: 'tenant-b-private', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(APIError);
    expect(refused).toMatchObject({ status: 404, code: 'MODEL_NOT_FOUND' });
    const retrieve = await clientA.models.retrieve('tenant-b-private').catch((error: unknown) => error);
    expect(retrieve).toMatchObject({ status: 404, code: 'MODEL_NOT_FOUND' });

    // A model both tenants serve: A's traffic lands on A's account only, every time.
    for (let i = 0; i < 6; i++) {
      const answer = await chatAs(tenantA, chatBody(`tenant A ${i}`), { 'x-session-id': `shared-${i}` });
      expect(answer.status).toBe(200);
      expect((await usageEventOf(gateway.admin, answer.requestId)).account_id).toBe(tenantA.accounts[0]?.id);
    }
    // The same session id from B stays in B's group (sticky state is per group).
    const fromB = await chatAs(tenantB, chatBody('tenant B'), { 'x-session-id': 'shared-0' });
    expect(fromB.status).toBe(200);
    expect((await usageEventOf(gateway.admin, fromB.requestId)).account_id).toBe(tenantB.accounts[0]?.id);

    expect(mockA.counts().total).toBe(6);
    expect(mockB.counts().total).toBe(1);
    // The upstream never sees a tenant key, only the account's own credential.
    for (const request of mockA.lastRequests) {
      expect(request.headers.authorization).toBe(`Bearer ${mockA.apiKey}`);
    }

    // The Anthropic route on an OpenAI-platform key is translated for A's own account, never B's.
    const { response: translated } = await anthropicClient(gateway, tenantA.secret)
      .messages.create({ model: 'gpt-4o-mini', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    const event = await usageEventOf(gateway.admin, requestIdOf(translated.headers));
    expect(event).toMatchObject({ account_id: tenantA.accounts[0]?.id, translated_from: 'messages' });
    expect(mockA.counts().total).toBe(7);
    expect(mockB.counts().total).toBe(1);
  });
});

describe('sticky sessions', () => {
  async function twoEqualAccounts() {
    const first = await mocks.start();
    const second = await mocks.start();
    const tenant = await seedTenant(gateway.admin, {
      platform: 'openai',
      accounts: [{ mock: first }, { mock: second }],
    });
    return tenant;
  }

  it.each([
    [
      'the x-session-id header',
      (i: number) => ({ body: chatBody(`turn ${i}`), headers: { 'x-session-id': 'sess-1' } }),
    ],
    [
      'the OpenAI user field',
      (i: number) => ({ body: chatBody(`turn ${i}`, { user: 'end-user-42' }), headers: {} }),
    ],
  ])('keep their account (identified by %s) and move when it is disabled', async (_label, request) => {
    const tenant = await twoEqualAccounts();
    const accountsOf = async (from: number, count: number) => {
      const accounts: (string | null)[] = [];
      for (let i = from; i < from + count; i++) {
        const { body, headers } = request(i);
        const answer = await chatAs(tenant, body, headers);
        expect(answer.status).toBe(200);
        accounts.push((await usageEventOf(gateway.admin, answer.requestId)).account_id);
      }
      return accounts;
    };

    // Without stickiness least-recently-used would alternate between the two equal accounts.
    const before = await accountsOf(0, 4);
    const pinned = before[0];
    expect(pinned).toBeTruthy();
    expect(before).toEqual([pinned, pinned, pinned, pinned]);
    // Another conversation meanwhile goes to the other (least recently used) account: the pin is the
    // session's, not a fixed preference.
    const other = await chatAs(tenant, chatBody('a different conversation'));
    expect(other.status).toBe(200);
    expect((await usageEventOf(gateway.admin, other.requestId)).account_id).not.toBe(pinned);

    // Disabling the pinned account invalidates the gateway's cache: the session moves, then stays.
    await gateway.admin.accounts.update(pinned ?? '', { status: 'disabled' });
    const moved = await accountsOf(4, 3);
    const next = tenant.accounts.find((account) => account.id !== pinned)?.id;
    expect(moved).toEqual([next, next, next]);
  });
});

describe('the explained 503 (seed incident)', () => {
  it('removing the account → group binding gives 503 naming the broken link; re-adding it recovers', async () => {
    const mock = await mocks.start();
    const tenant = await seedTenant(gateway.admin, {
      platform: 'openai',
      accounts: [{ mock, models: ['gpt-4o-mini'] }],
    });
    const ok = await chatAs(tenant, chatBody('before'));
    expect(ok.status).toBe(200);

    await gateway.admin.accountGroups.delete(tenant.bindings[0]?.id ?? '');
    const broken = await chatAs(tenant, chatBody('during'));
    expect(broken.status).toBe(503);
    const error = (broken.json as { error: { code: string; message: string; type: string } }).error;
    expect(error.code).toBe('NO_AVAILABLE_ACCOUNTS');
    expect(error.message.startsWith(`${NO_AVAILABLE_ACCOUNTS_PREFIX}: `)).toBe(true);
    expect(error.message).toContain(`group ${tenant.group.id} has no accounts bound`);
    // (chatAs already required the 503 to carry a gateway-made x-request-id.)

    // The Anthropic route family explains it in its own envelope.
    const mockAnthropic = await mocks.start();
    const anthropicTenant = await seedTenant(gateway.admin, {
      platform: 'anthropic',
      accounts: [{ mock: mockAnthropic }],
    });
    await gateway.admin.accountGroups.delete(anthropicTenant.bindings[0]?.id ?? '');
    const anthropicBroken = await callGateway(gateway, '/v1/messages', {
      secret: anthropicTenant.secret,
      body: { model: 'claude-sonnet-4-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(anthropicBroken.status).toBe(503);
    expect(anthropicBroken.json).toMatchObject({
      type: 'error',
      error: {
        type: 'overloaded_error',
        message: expect.stringMatching(/^account_select_failed: no available accounts: group grp_/),
      },
    });

    // Re-binding recovers without a restart.
    await gateway.admin.accountGroups.create({
      account_id: tenant.accounts[0]?.id ?? '',
      group_id: tenant.group.id,
    });
    const recovered = await waitFor(
      async () => {
        const answer = await chatAs(tenant, chatBody('after'));
        return answer.status === 200 ? answer : undefined;
      },
      { timeoutMs: 5_000, message: 'chat completions answer 200 after re-binding' },
    );
    expect(JSON.parse(recovered?.text ?? '{}').choices[0].message.content).toBe(
      'Hello from the Relay mock upstream.',
    );
    expect(mock.counts().total).toBe(2);
  });
});
