import { randomBytes } from 'node:crypto';
import { waitFor } from '@relay/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_ADMIN_URL } from '../store/test-databases.ts';
import {
  callGateway,
  chatBody,
  GATEWAY_START_TIMEOUT_MS,
  MockUpstreams,
  type RelayGateway,
  seedTenant,
  startRelayGateway,
  type Tenant,
} from '../support/relay-harness.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis.ts';

/**
 * Admission state under faults, in the production topology: gateway processes on one Postgres
 * database and one Redis of the test's own (a throwaway redis-server it can pause and kill).
 * Every test prints its figure (`[figure] …`).
 */

const mocks = new MockUpstreams();
let redis: ThrowawayRedis;
let database: { url: string; drop(): Promise<void> };
const gateways: RelayGateway[] = [];

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `relay_faults_${randomBytes(6).toString('hex')}`;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

async function startGateway(env: Record<string, string> = {}): Promise<RelayGateway> {
  const gateway = await startRelayGateway({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    ...env,
  });
  gateways.push(gateway);
  return gateway;
}

beforeAll(async () => {
  redis = await startThrowawayRedis();
  database = await createDatabase();
}, GATEWAY_START_TIMEOUT_MS);

afterAll(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close().catch(() => undefined);
  await mocks.closeAll();
  await redis?.close();
  await database?.drop();
}, 60_000);

type Shot = { startedAt: number; status: number; code: string | undefined; message?: string };

async function shoot(gateway: RelayGateway, secret: string, body: unknown): Promise<Shot> {
  const startedAt = Date.now();
  try {
    const answer = await callGateway(gateway, '/v1/chat/completions', { secret, body });
    const error = (answer.json as { error?: { code?: string; message?: string } } | undefined)?.error;
    return { startedAt, status: answer.status, code: error?.code, message: error?.message };
  } catch {
    return { startedAt, status: 0, code: 'NETWORK' };
  }
}

/** Live leases in a slot set (the score is the lease deadline). */
async function liveSlots(key: string): Promise<number> {
  return redis.client.zcount(`relay:${'cs:'}${key}`, `(${Date.now()}`, '+inf');
}

function tally(shots: readonly Shot[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const shot of shots) {
    const name = shot.status === 200 ? '200' : `${shot.status} ${shot.code ?? ''}`.trim();
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe('a Redis stall', () => {
  it('locks nobody out after Redis answers again (20 req/s, Redis paused 3 s)', async () => {
    const gateway = await startGateway();
    const mock = await mocks.start({ latencyMs: 20 });
    // The user keeps the default concurrency limit of 10; the account allows as many (a loaded CI
    // machine can briefly have more than the default 3 in flight).
    const tenant = await seedTenant(gateway.admin, {
      platform: 'openai',
      accounts: [{ mock, account: { concurrency: 10 } }],
    });
    const body = chatBody('stall');
    expect((await shoot(gateway, tenant.secret, body)).status).toBe(200);

    const shots: Promise<Shot>[] = [];
    const started = Date.now();
    let pausedAt = 0;
    let resumedAt = 0;
    while (Date.now() - started < 10_000) {
      const elapsed = Date.now() - started;
      if (pausedAt === 0 && elapsed >= 2_000) {
        redis.pause();
        pausedAt = Date.now();
      }
      if (pausedAt !== 0 && resumedAt === 0 && elapsed >= 5_000) {
        redis.resume();
        resumedAt = Date.now();
      }
      shots.push(shoot(gateway, tenant.secret, body));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const done = await Promise.all(shots);
    const during = done.filter((s) => s.startedAt >= pausedAt && s.startedAt < resumedAt);
    const after = done.filter((s) => s.startedAt >= resumedAt + 2_000);
    const firstOk = done.find((s) => s.startedAt >= resumedAt && s.status === 200);
    const lockedOut = after.filter((s) => s.status !== 200);
    const lockoutPct = after.length === 0 ? 100 : (100 * lockedOut.length) / after.length;
    console.log(
      `[figure] redis stall 3 s at 20 req/s: lockout after the stall ${lockoutPct.toFixed(1)} % ` +
        `(${lockedOut.length}/${after.length} requests started ≥ 2 s after SIGCONT not served); ` +
        `first success ${firstOk === undefined ? 'never' : `${firstOk.startedAt - resumedAt} ms`} after SIGCONT; ` +
        `during the stall ${JSON.stringify(tally(during))}; after ${JSON.stringify(tally(after))}`,
    );
    for (const shot of lockedOut)
      console.log(`  not served at +${shot.startedAt - resumedAt} ms: ${shot.message}`);
    expect(during.some((s) => s.code === 'LIMITER_UNAVAILABLE')).toBe(true);
    expect(lockoutPct).toBe(0);
    // Every lease taken by an admission that ran late was compensated: nothing is left held.
    await waitFor(async () => (await liveSlots(`{${tenant.user.id}}:conc:user`)) === 0, {
      timeoutMs: 3_000,
      message: 'user slots freed',
    });
  }, 60_000);
});

describe('the fail-open policy', () => {
  it('serves while Redis does not answer when GATEWAY_LIMITER_UNAVAILABLE=open', async () => {
    const gateway = await startGateway({ GATEWAY_LIMITER_UNAVAILABLE: 'open' });
    const mock = await mocks.start();
    const tenant = await seedTenant(gateway.admin, { platform: 'openai', accounts: [{ mock }] });
    expect((await shoot(gateway, tenant.secret, chatBody('open'))).status).toBe(200);
    redis.pause();
    const pausedAt = Date.now();
    let shots: Shot[];
    try {
      shots = await Promise.all(
        Array.from({ length: 5 }, () => shoot(gateway, tenant.secret, chatBody('open'))),
      );
    } finally {
      redis.resume();
    }
    const tookMs = Date.now() - pausedAt;
    console.log(
      `[figure] fail-open with Redis paused: ${JSON.stringify(tally(shots))} for 5 concurrent requests, all answered ${tookMs} ms after the pause began`,
    );
    expect(shots.every((s) => s.status === 200)).toBe(true);
  }, 60_000);
});

describe('money across two replicas', () => {
  let a: RelayGateway;
  let b: RelayGateway;
  let sql: postgres.Sql;

  beforeAll(async () => {
    a = await startGateway();
    b = await startGateway();
    sql = postgres(database.url, { max: 2, onnotice: () => {} });
    // 2 000 USD per 1M tokens each way: one mock answer costs a few cents.
    await a.admin.prices.create({ model: 'gpt-4o-mini', input: '2000', output: '2000' });
  }, GATEWAY_START_TIMEOUT_MS);

  afterAll(async () => {
    await sql?.end({ timeout: 5 });
  });

  /**
   * 100 requests, 50 at a time, alternating between the replicas; a request refused because the rest
   * of the budget is reserved by requests in flight (429) is retried like a client would, up to 10
   * times. Returns the final answers once their usage is written.
   */
  async function burst(tenant: Tenant): Promise<{ shots: Shot[]; maxCharge: bigint }> {
    const body = chatBody('spend across replicas', { max_tokens: 20 });
    const shots: Shot[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < 100) {
          const i = next++;
          let shot = await shoot(i % 2 === 0 ? a : b, tenant.secret, body);
          for (let retry = 0; retry < 10 && shot.status === 429; retry++) {
            await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
            shot = await shoot(retry % 2 === 0 ? b : a, tenant.secret, body);
          }
          shots.push(shot);
        }
      }),
    );
    const served = shots.filter((s) => s.status === 200).length;
    await waitFor(
      async () => {
        const [row] =
          await sql`select count(*)::int as n from usage_events where api_key_id = ${tenant.key.id}`;
        return (row?.n as number) >= served;
      },
      { timeoutMs: 20_000, message: 'usage written' },
    );
    const [row] =
      await sql`select coalesce(max(charged_micros), 0)::bigint as m from usage_events where api_key_id = ${tenant.key.id}`;
    return { shots, maxCharge: BigInt(row?.m as string) };
  }

  it('holds a key quota of $1: overspend at most one request', async () => {
    const mock = await mocks.start({ latencyMs: 30 });
    const tenant = await seedTenant(a.admin, {
      platform: 'openai',
      accounts: [{ mock, account: { concurrency: 100 } }],
      user: { concurrency_limit: 0 },
      key: { quota_usd: '1' },
    });
    const { shots, maxCharge } = await burst(tenant);
    const [key] =
      await sql`select quota_used_micros::bigint as used from api_keys where id = ${tenant.key.id}`;
    const used = BigInt(key?.used as string);
    const overspend = used > 1_000_000n ? used - 1_000_000n : 0n;
    console.log(
      `[figure] key quota $1, 100 requests / 50 concurrent / 2 replicas: quota_used $${Number(used) / 1e6}, ` +
        `overspend $${Number(overspend) / 1e6} = ${(Number(overspend) / Number(maxCharge || 1n)).toFixed(2)} requests ` +
        `(one request ≤ $${Number(maxCharge) / 1e6}); ${JSON.stringify(tally(shots))}`,
    );
    expect(shots.filter((s) => s.status === 200).length).toBeGreaterThan(0);
    expect(shots.filter((s) => s.code === 'QUOTA_EXCEEDED').length).toBeGreaterThan(0);
    expect(overspend).toBeLessThanOrEqual(maxCharge);
  }, 60_000);

  it('holds a user balance of $1: never below minus one request', async () => {
    const mock = await mocks.start({ latencyMs: 30 });
    const tenant = await seedTenant(a.admin, {
      platform: 'openai',
      accounts: [{ mock, account: { concurrency: 100 } }],
      user: { balance_usd: '1', concurrency_limit: 0 },
    });
    const { shots, maxCharge } = await burst(tenant);
    const [user] =
      await sql`select balance_micros::bigint as balance from users where id = ${tenant.user.id}`;
    const balance = BigInt(user?.balance as string);
    console.log(
      `[figure] user balance $1, 100 requests / 50 concurrent / 2 replicas: final balance $${Number(balance) / 1e6} ` +
        `= ${(Number(balance) / Number(maxCharge || 1n)).toFixed(2)} requests (one request ≤ $${Number(maxCharge) / 1e6}); ` +
        `${JSON.stringify(tally(shots))}`,
    );
    expect(shots.filter((s) => s.code === 'INSUFFICIENT_BALANCE').length).toBeGreaterThan(0);
    expect(balance).toBeGreaterThanOrEqual(-maxCharge);
  }, 60_000);
});

describe('kill -9 of a gateway during streams', () => {
  it("frees the dead process's leases within one lease time (short in this test)", async () => {
    const leaseTtlMs = 3_000;
    const victim = await startGateway({ GATEWAY_LEASE_TTL_MS: String(leaseTtlMs) });
    const survivor = await startGateway({ GATEWAY_LEASE_TTL_MS: String(leaseTtlMs) });
    const mock = await mocks.start();
    const tenant = await seedTenant(victim.admin, {
      platform: 'openai',
      accounts: [{ mock, account: { concurrency: 10 } }],
      key: { concurrency_limit: 4 },
    });
    mock.setFault({ mode: 'slow_stream', intervalMs: 2_000 });
    const keySlots = `{${tenant.user.id}}:conc:key:${tenant.key.id}`;
    const streams = Array.from({ length: 4 }, () =>
      fetch(`${victim.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(chatBody('a long story', { stream: true })),
      }).catch(() => undefined),
    );
    await waitFor(async () => (await liveSlots(keySlots)) === 4, { timeoutMs: 10_000, message: '4 streams' });
    // Renewal keeps them held past one lease time while the process lives.
    await new Promise((resolve) => setTimeout(resolve, leaseTtlMs + 500));
    expect(await liveSlots(keySlots)).toBe(4);
    process.kill(victim.process.pid, 'SIGKILL');
    const killedAt = Date.now();
    await Promise.all(streams);
    mock.setFault(null);
    await waitFor(async () => (await liveSlots(keySlots)) === 0, {
      timeoutMs: 60_000,
      message: 'leases freed',
    });
    const freedMs = Date.now() - killedAt;
    const served = await shoot(survivor, tenant.secret, chatBody('after the crash'));
    console.log(
      `[figure] kill -9 during 4 streams: their leases freed ${freedMs} ms after the kill ` +
        `(lease TTL ${leaseTtlMs} ms); the other replica then answers ${served.status}`,
    );
    expect(freedMs).toBeLessThan(60_000);
    expect(served.status).toBe(200);
  }, 60_000);
});
