import { createAdminClient } from '@relay/admin-client';
import { freePort } from '@relay/testkit';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  E2E_ADMIN_TOKEN,
  GATEWAY_START_TIMEOUT_MS,
  MockUpstreams,
  type RelayGateway,
  seedTenant,
  startRelayGateway,
  type Tenant,
} from '../support/relay-harness.ts';

/**
 * Issue 9 "admin isolated" and "guessing throttled", on the real process: with GATEWAY_ADMIN_LISTEN the
 * admin API answers only on its own port and the tenant API only on the public one; wrong admin
 * tokens and unknown API keys are throttled per client address (loopback 127.0.0.x stand in for
 * different clients), and other addresses and keys in use are unaffected.
 */

const ADMIN_LIMIT = 3;
const KEY_LIMIT = 5;

let gateway: RelayGateway;
let adminUrl: string;
const mocks = new MockUpstreams();
let tenant: Tenant;
const agents = new Map<string, Agent>();

beforeAll(async () => {
  const adminPort = await freePort();
  adminUrl = `http://127.0.0.1:${adminPort}`;
  gateway = await startRelayGateway({
    GATEWAY_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    GATEWAY_ADMIN_AUTH_FAILURE_LIMIT: String(ADMIN_LIMIT),
    GATEWAY_KEY_AUTH_FAILURE_LIMIT: String(KEY_LIMIT),
  });
  const admin = createAdminClient({ baseUrl: adminUrl, token: E2E_ADMIN_TOKEN, retries: 0 });
  tenant = await seedTenant(admin, { platform: 'openai', accounts: [{ mock: await mocks.start() }] });
}, GATEWAY_START_TIMEOUT_MS);

afterAll(async () => {
  await gateway?.close();
  await mocks.closeAll();
  await Promise.all([...agents.values()].map((agent) => agent.close()));
});

/** A GET sent from `from` (a loopback address), as a client at that address would. */
async function get(url: string, from: string, authorization?: string) {
  let agent = agents.get(from);
  if (agent === undefined) {
    agent = new Agent({ localAddress: from });
    agents.set(from, agent);
  }
  const response = await request(url, {
    dispatcher: agent,
    headers: authorization === undefined ? {} : { authorization },
  });
  const text = await response.body.text();
  const code = text.startsWith('{')
    ? ((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '')
    : '';
  return { status: response.statusCode, code, retryAfter: response.headers['retry-after'] };
}

describe('GATEWAY_ADMIN_LISTEN', () => {
  it('serves the admin API only on the admin port and the tenant API only on the public port', async () => {
    const token = `Bearer ${E2E_ADMIN_TOKEN}`;
    const key = `Bearer ${tenant.secret}`;
    expect(await get(`${adminUrl}/admin/v1/capabilities`, '127.0.0.1', token)).toMatchObject({
      status: 200,
    });
    expect(await get(`${gateway.url}/admin/v1/capabilities`, '127.0.0.1', token)).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(await get(`${gateway.url}/v1/models`, '127.0.0.1', key)).toMatchObject({ status: 200 });
    expect(await get(`${adminUrl}/v1/models`, '127.0.0.1', key)).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    for (const base of [gateway.url, adminUrl]) {
      expect((await get(`${base}/healthz`, '127.0.0.1')).status).toBe(200);
    }
  });
});

describe('guessing', () => {
  it('wrong admin tokens are throttled per address; other addresses keep the admin API', async () => {
    const url = `${adminUrl}/admin/v1/capabilities`;
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 300; attempt++) {
      statuses.push((await get(url, '127.0.0.2', `Bearer wrong-token-${attempt}`)).status);
    }
    const checked = statuses.filter((status) => status === 401).length;
    expect(checked).toBe(ADMIN_LIMIT);
    expect(statuses.slice(ADMIN_LIMIT).every((status) => status === 429)).toBe(true);
    const throttled = await get(url, '127.0.0.2', 'Bearer another-wrong-token');
    expect(throttled).toMatchObject({ status: 429, code: 'ADMIN_AUTH_THROTTLED' });
    expect(Number(throttled.retryAfter)).toBeGreaterThan(0);
    // While refused, the token is not even compared: a right guess looks like a wrong one.
    expect((await get(url, '127.0.0.2', `Bearer ${E2E_ADMIN_TOKEN}`)).status).toBe(429);
    expect((await get(url, '127.0.0.1', `Bearer ${E2E_ADMIN_TOKEN}`)).status).toBe(200);
    console.log(`[figure] gateway admin: wrong tokens checked before throttling: ${checked} of 300`);
  });

  it('unknown API keys are throttled per address; keys in use keep working', async () => {
    const url = `${gateway.url}/v1/models`;
    expect((await get(url, '127.0.0.3', `Bearer ${tenant.secret}`)).status).toBe(200);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      statuses.push((await get(url, '127.0.0.3', `Bearer sk-relay-guess-${attempt}`)).status);
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(KEY_LIMIT);
    const throttled = await get(url, '127.0.0.3', 'Bearer sk-relay-guess-again');
    expect(throttled).toMatchObject({ status: 429, code: 'AUTH_THROTTLED' });
    expect(Number(throttled.retryAfter)).toBeGreaterThan(0);
    expect((await get(url, '127.0.0.3', `Bearer ${tenant.secret}`)).status).toBe(200);
    expect((await get(url, '127.0.0.1', 'Bearer sk-relay-another-guess')).code).toBe('INVALID_API_KEY');
    console.log(`[figure] tenant API: unknown keys looked up before throttling: ${KEY_LIMIT} of 100`);
  });
});
