import { describe, expect, it } from 'vitest';
import { classifyStatus, classifyThrown, parseRetryAfter } from '../../src/upstream/upstream-failure.ts';

describe('upstream failure classification', () => {
  it.each([
    [200, undefined],
    [400, 'request_error'],
    [404, 'request_error'],
    [422, 'request_error'],
    [401, 'auth_error'],
    [403, 'auth_error'],
    [408, 'timeout'],
    [429, 'rate_limited'],
    [500, 'server_error'],
    [502, 'server_error'],
    [503, 'server_error'],
    [529, 'server_error'],
  ])('status %i → %s', (status, kind) => {
    expect(classifyStatus(status, undefined)?.kind).toBe(kind);
  });

  it('reads Retry-After in seconds and as an HTTP date', () => {
    expect(classifyStatus(429, '7')?.retryAfterMs).toBe(7000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('classifies undici errors by code, including wrapped causes', () => {
    expect(classifyThrown(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).kind).toBe(
      'timeout',
    );
    expect(
      classifyThrown(
        new Error('fetch failed', { cause: Object.assign(new Error('r'), { code: 'ECONNREFUSED' }) }),
      ).kind,
    ).toBe('connect_error');
  });
});
