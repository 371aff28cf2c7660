import { describe, expect, it } from 'vitest';
import { decodeUsageRecord, encodeUsageRecord, type UsageRecord, usageJobId } from '../../src/usage/index.ts';

const record: UsageRecord = {
  requestId: 'req_1',
  apiKeyId: 'key_1',
  userId: 'usr_1',
  groupId: 'grp_1',
  accountId: 'acc_1',
  channelId: null,
  endpoint: '/v1/messages',
  modelRequested: 'claude-test',
  modelUpstream: null,
  stream: false,
  statusCode: 502,
  errorCode: 'UPSTREAM_ERROR',
  promptTokens: 12,
  completionTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 4,
  usageEstimated: true,
  latencyMs: 1200,
  ttftMs: null,
  attempts: 3,
  createdAt: new Date('2025-01-02T03:04:05.678Z'),
  price: {
    inputMicros: 9_007_199_254_740_993n,
    outputMicros: 1n,
    cacheReadMicros: 0n,
    cacheWriteMicros: 2n,
  },
  rateMultiplierMicros: 1_250_000n,
  billingMode: 'subscription',
  subscriptionId: 'sub_1',
};

describe('usage record codec', () => {
  it('round-trips a record through JSON exactly, bigints included', () => {
    const json = JSON.stringify(encodeUsageRecord(record));
    expect(decodeUsageRecord(JSON.parse(json))).toEqual(record);
    expect(decodeUsageRecord(encodeUsageRecord({ ...record, price: null })).price).toBeNull();
  });

  it('refuses data that is not an encoded record', () => {
    expect(() => decodeUsageRecord({ ...encodeUsageRecord(record), rateMultiplierMicros: '1.5' })).toThrow();
    expect(() => decodeUsageRecord({ requestId: 'x' })).toThrow();
  });
});

describe('usageJobId', () => {
  it('gives every request id a job id BullMQ accepts (no bare integer, no colon), one-to-one', () => {
    const ids = ['12345', 'a:b', 'a%3Ab', 'req_1', 'x.y-z'];
    const jobIds = ids.map(usageJobId);
    for (const jobId of jobIds) {
      expect(jobId).not.toContain(':');
      expect(`${Number.parseInt(jobId, 10)}`).not.toBe(jobId);
    }
    expect(new Set(jobIds).size).toBe(ids.length);
  });
});
