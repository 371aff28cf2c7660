import { Pool } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
 * A first measurement of the latency the gateway adds (issue 4's closing note): sequential p50 of
 * non-stream chat completions through the gateway vs straight to the same mock, with the same
 * keep-alive client. Only logged: timings on a shared CI machine are not a pass/fail criterion
 * (the benchmark in bench/ is where targets are checked).
 */

const SAMPLES = 200;
const WARMUP = 20;

let gateway: RelayGateway;
const mocks = new MockUpstreams();
let tenant: Tenant;
let mockUrl: string;
let mockKey: string;

beforeAll(async () => {
  gateway = await startRelayGateway();
  const mock = await mocks.start({ recordLimit: 0 });
  mockUrl = mock.url;
  mockKey = mock.apiKey;
  tenant = await seedTenant(gateway.admin, { platform: 'openai', accounts: [{ mock }] });
}, GATEWAY_START_TIMEOUT_MS);
afterAll(async () => {
  await gateway?.close();
  await mocks.closeAll();
});

/** Sequential requests over one keep-alive connection; returns each one's milliseconds. */
async function measure(origin: string, secret: string, count: number): Promise<number[]> {
  const pool = new Pool(origin, { connections: 1, pipelining: 1 });
  const body = JSON.stringify(chatBody('Reply with pong only'));
  const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
  const timings: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const response = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body });
      await response.body.text();
      timings.push(performance.now() - started);
      if (response.statusCode !== 200)
        throw new Error(`request ${i} to ${origin} answered ${response.statusCode}`);
    }
  } finally {
    await pool.close();
  }
  return timings;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

it(`measures sequential p50 of ${SAMPLES} non-stream requests through the gateway vs direct`, async () => {
  await measure(gateway.url, tenant.secret, WARMUP);
  await measure(mockUrl, mockKey, WARMUP);
  const direct = await measure(mockUrl, mockKey, SAMPLES);
  const through = await measure(gateway.url, tenant.secret, SAMPLES);
  expect(direct).toHaveLength(SAMPLES);
  expect(through).toHaveLength(SAMPLES);

  const ms = (value: number) => `${value.toFixed(3)} ms`;
  const directP50 = percentile(direct, 50);
  const gatewayP50 = percentile(through, 50);
  console.log(
    [
      `relay latency, ${SAMPLES} sequential non-stream chat completions (one keep-alive connection):`,
      `  direct to mock : p50 ${ms(directP50)}, p99 ${ms(percentile(direct, 99))}`,
      `  via gateway    : p50 ${ms(gatewayP50)}, p99 ${ms(percentile(through, 99))}`,
      `  added p50      : ${ms(gatewayP50 - directP50)}`,
    ].join('\n'),
  );
});
