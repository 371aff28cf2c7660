import { type MockUpstream, waitFor } from '@relay/testkit';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.ts';
import { usageEvents } from '../../src/store/schema.ts';
import { KeepAliveConnection, type RawResponse } from '../bad-input/raw-http.ts';
import {
  chatBody,
  GATEWAY_START_TIMEOUT_MS,
  MockUpstreams,
  type RelayGateway,
  seedTenant,
  startRelayGateway,
  type Tenant,
} from '../support/relay-harness.ts';

/**
 * Issue 9 "graceful drain", on the real process (serve.ts): SIGTERM while clients hold kept-alive
 * connections with slow streams in flight. New connections are refused, a new request on a kept-alive
 * connection is refused with 503 + Connection: close, every stream in flight finishes whole and is
 * billed, and the process exits 0.
 */

const STREAMS = 6;

let gateway: RelayGateway;
const mocks = new MockUpstreams();
let mock: MockUpstream;
let tenant: Tenant;

beforeAll(async () => {
  gateway = await startRelayGateway({ GATEWAY_DRAIN_TIMEOUT_MS: '20000' });
  mock = await mocks.start();
  tenant = await seedTenant(gateway.admin, {
    platform: 'openai',
    accounts: [{ mock, account: { concurrency: 2 * STREAMS } }],
  });
}, GATEWAY_START_TIMEOUT_MS);

afterAll(async () => {
  await gateway?.close();
  await mocks.closeAll();
});

const port = () => Number(new URL(gateway.url).port);

function chatRequest(content: string, stream: boolean) {
  return {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: [`Authorization: Bearer ${tenant.secret}`, 'Content-Type: application/json'],
    body: Buffer.from(JSON.stringify(chatBody(content, { stream }))),
  };
}

const header = (response: RawResponse, name: string) => response.headers.find(([n]) => n === name)?.[1];

describe('SIGTERM', () => {
  it('drains kept-alive slow streams to the end, bills them, refuses new work and exits 0', async () => {
    // A kept-alive connection that has served a request and sits idle when SIGTERM arrives.
    const idle = await KeepAliveConnection.open(port());
    expect((await idle.send(chatRequest('warm up', false))).status).toBe(200);

    mock.setFault({ mode: 'slow_stream', intervalMs: 250 });
    const connections = await Promise.all(
      Array.from({ length: STREAMS }, () => KeepAliveConnection.open(port())),
    );
    // Each client keeps its connection busy, as a pool under load does: when a stream ends it sends
    // the next one on the same connection, until the gateway refuses or closes it.
    let signalled = false;
    let servedAfterSignal = 0;
    let onSignal: () => void = () => undefined;
    const signal = new Promise<void>((resolve) => {
      onSignal = resolve;
    });
    const waitForSignal = () => signal;
    const streams = connections.map(async (connection, index) => {
      const results: boolean[] = [];
      for (let round = 0; round < 8; round++) {
        try {
          const response = await connection.send(chatRequest(`stream ${index}.${round}`, true), 30_000);
          if (response.status !== 200) break;
          results.push(response.body.includes('data: [DONE]'));
          if (round > 0 && signalled) servedAfterSignal += 1;
        } catch {
          // Closed: cut if it was a stream in flight, refused if it was a new request.
          if (round === 0 || !signalled) results.push(false);
          break;
        }
        if (!signalled) {
          // Until the signal, only the first stream runs (the signal comes while it is in flight).
          await waitForSignal();
        }
      }
      return { ok: results.every(Boolean) && results.length > 0 };
    });
    await waitFor(() => mock.pendingResponses() === STREAMS || undefined, {
      timeoutMs: 10_000,
      message: 'every stream open at the upstream',
    });

    const signalledAt = Date.now();
    process.kill(gateway.process.pid, 'SIGTERM');
    signalled = true;
    onSignal();

    // New connections are refused from the start of the drain.
    await waitFor(
      async () => {
        try {
          await fetch(`${gateway.url}/healthz`);
          return undefined;
        } catch {
          return true;
        }
      },
      { timeoutMs: 5_000, intervalMs: 10, message: 'new connections refused' },
    );
    // A new request on the idle kept-alive connection is refused too: the connection is closed, or
    // (if the request got there first) answered 503 with Connection: close.
    let refused: RawResponse | undefined;
    try {
      refused = await idle.send(chatRequest('after SIGTERM', false));
    } catch {
      refused = undefined;
    }
    if (refused !== undefined) {
      expect(refused.status).toBe(503);
      expect(header(refused, 'connection')).toBe('close');
      expect(refused.body).toContain('SERVICE_UNAVAILABLE');
    }

    const finished = await Promise.all(streams);
    const exit = await gateway.process.exited;
    const cut = finished.filter((stream) => !stream.ok).length;
    console.log(
      `[figure] cut streams: ${cut}, exit code: ${exit.code} (${STREAMS} kept-alive slow streams, drained in ${Date.now() - signalledAt} ms, new requests served after SIGTERM: ${servedAfterSignal})`,
    );
    expect(cut).toBe(0);
    expect(servedAfterSignal).toBe(0);
    expect(exit.code).toBe(0);

    // Every stream was billed before the exit: the usage rows are in the database it left behind.
    const database = await openDatabase({ dataDir: gateway.dataDir });
    try {
      const rows = await database.db
        .select({ id: usageEvents.requestId })
        .from(usageEvents)
        .where(eq(usageEvents.apiKeyId, tenant.key.id));
      expect(rows).toHaveLength(STREAMS + 1);
    } finally {
      await database.close();
      for (const connection of [idle, ...connections]) connection.close();
    }
  });
});
