import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const base = { GATEWAY_ADMIN_TOKEN: 'admin-token-0123456789' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('gateway config', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: './data/gateway',
      maxAttempts: 3,
      bodyLimitBytes: 8 * 1024 * 1024,
      databaseUrl: undefined,
      redisUrl: undefined,
      adminListen: undefined,
      leaseTtlMs: 30_000,
      limiterUnavailable: 'closed',
      reserveMaxTokens: 4_096,
      heapGrowthPercent: 50,
    });
  });

  it('bounds heap growth by default only in embedded mode, and takes an explicit factor in both', () => {
    expect(loadConfig({ ...base, DATABASE_URL: 'postgres://u@db/relay' }).heapGrowthPercent).toBe(0);
    expect(loadConfig({ ...base, GATEWAY_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
    expect(
      loadConfig({ ...base, DATABASE_URL: 'postgres://u@db/relay', GATEWAY_HEAP_GROWTH_PERCENT: '30' })
        .heapGrowthPercent,
    ).toBe(30);
  });

  it('requires the admin token and names it', () => {
    expect(problemsOf({})).toEqual(['GATEWAY_ADMIN_TOKEN is required']);
  });

  it.each([
    [{ GATEWAY_PORT: 'eighty' }, 'GATEWAY_PORT'],
    [{ GATEWAY_PORT: '70000' }, 'GATEWAY_PORT'],
    [{ GATEWAY_MAX_ATTEMPTS: '0' }, 'GATEWAY_MAX_ATTEMPTS'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ GATEWAY_LEASE_TTL_MS: '10' }, 'GATEWAY_LEASE_TTL_MS'],
    [{ GATEWAY_LIMITER_UNAVAILABLE: 'maybe' }, 'GATEWAY_LIMITER_UNAVAILABLE'],
    [{ GATEWAY_RESERVE_MAX_TOKENS: '0' }, 'GATEWAY_RESERVE_MAX_TOKENS'],
    [{ GATEWAY_HEAP_GROWTH_PERCENT: '301' }, 'GATEWAY_HEAP_GROWTH_PERCENT'],
    [{ GATEWAY_HEAP_GROWTH_PERCENT: '1.5' }, 'GATEWAY_HEAP_GROWTH_PERCENT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ GATEWAY_ADMIN_LISTEN: 'nope' }, 'GATEWAY_ADMIN_LISTEN'],
    [{ GATEWAY_ADMIN_LISTEN: '127.0.0.1:99999' }, 'GATEWAY_ADMIN_LISTEN'],
  ])('rejects %o naming the variable', (env, name) => {
    const problems = problemsOf({ ...base, ...env });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}`));
  });

  it('refuses production without its durable dependencies, naming each', () => {
    expect(problemsOf({ ...base, NODE_ENV: 'production' })).toEqual([
      'DATABASE_URL is required when NODE_ENV=production',
      'REDIS_URL is required when NODE_ENV=production',
      'GATEWAY_SECRET_KEY is required when NODE_ENV=production',
    ]);
  });

  it('accepts a complete production configuration and a separate admin listener', () => {
    const config = loadConfig({
      ...base,
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@db/relay',
      REDIS_URL: 'redis://cache:6379',
      GATEWAY_SECRET_KEY: 'a'.repeat(64),
      GATEWAY_ADMIN_LISTEN: '10.0.0.5:9090',
      GATEWAY_PORT: '',
    });
    expect(config.adminListen).toEqual({ host: '10.0.0.5', port: 9090 });
    expect(config.port).toBe(8080);
  });
});
