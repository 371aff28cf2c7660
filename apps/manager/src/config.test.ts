import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, monorepoRoot, parseDuration } from './config.ts';

const TOKEN = 'a-sufficiently-long-admin-token';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ MANAGER_ADMIN_TOKEN: TOKEN });
    expect(config).toMatchObject({
      env: 'development',
      adminToken: TOKEN,
      listen: { host: '127.0.0.1', port: 18190 },
      sqlitePath: './data/manager.db',
      adminUsername: 'admin',
      adminPassword: undefined,
      sessionTtlMs: 12 * 3_600_000,
      cookieSecure: true,
      gitAuthor: 'relay-manager <relay-manager@localhost>',
      secretKey: undefined,
      redisUrl: undefined,
      probeIntervalMs: 60_000,
      logLevel: 'info',
    });
    // Outside production the monorepo's own packs/ is the pack repository.
    expect(config.repoRoot).toBe(monorepoRoot());
  });

  it('accepts every SUB2API_CRM_* alias of sub2api CRM', () => {
    const config = loadConfig({
      SUB2API_CRM_ADMIN_TOKEN: TOKEN,
      SUB2API_CRM_LISTEN_ADDR: ':18081',
      SUB2API_CRM_SQLITE_DSN: 'file:/tmp/sub2api-cn-relay-manager.db?_foreign_keys=on&_busy_timeout=5000',
      SUB2API_CRM_REPO_ROOT: '/srv/packs-repo',
      SUB2API_CRM_ADMIN_USERNAME: 'ops',
      SUB2API_CRM_ADMIN_PASSWORD: 'hunter2-but-longer',
      SUB2API_CRM_ADMIN_SESSION_TTL: '30m',
    });
    expect(config).toMatchObject({
      adminToken: TOKEN,
      listen: { host: '0.0.0.0', port: 18081 },
      sqlitePath: '/tmp/sub2api-cn-relay-manager.db',
      repoRoot: '/srv/packs-repo',
      adminUsername: 'ops',
      adminPassword: 'hunter2-but-longer',
      sessionTtlMs: 30 * 60_000,
    });
  });

  it('lets the primary name win over its alias', () => {
    const config = loadConfig({
      MANAGER_ADMIN_TOKEN: TOKEN,
      SUB2API_CRM_ADMIN_TOKEN: 'the-alias-token-loses-here',
      MANAGER_ADMIN_USERNAME: 'primary',
      SUB2API_CRM_ADMIN_USERNAME: 'alias',
      MANAGER_SQLITE_PATH: '/var/lib/manager.db',
      SUB2API_CRM_SQLITE_DSN: 'file:/tmp/other.db',
    });
    expect(config.adminToken).toBe(TOKEN);
    expect(config.adminUsername).toBe('primary');
    expect(config.sqlitePath).toBe('/var/lib/manager.db');
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ MANAGER_ADMIN_TOKEN: TOKEN, MANAGER_ADMIN_PASSWORD: '', LOG_LEVEL: '' });
    expect(config.adminPassword).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });

  it('refuses to start in production without the admin token and the secret key, naming both', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'MANAGER_ADMIN_TOKEN (or SUB2API_CRM_ADMIN_TOKEN) is required when NODE_ENV=production',
      'MANAGER_SECRET_KEY is required when NODE_ENV=production',
    ]);
    expect(problems({ NODE_ENV: 'production', MANAGER_ADMIN_TOKEN: TOKEN })).toEqual([
      'MANAGER_SECRET_KEY is required when NODE_ENV=production',
    ]);
  });

  it('starts in production with both, and has no implicit pack repository there', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      SUB2API_CRM_ADMIN_TOKEN: TOKEN,
      MANAGER_SECRET_KEY: 'k'.repeat(32),
    });
    expect(config.env).toBe('production');
    expect(config.secretKey).toBe('k'.repeat(32));
    expect(config.repoRoot).toBeUndefined();
  });

  it('requires the admin token in every mode', () => {
    expect(problems({})).toEqual(['MANAGER_ADMIN_TOKEN (or SUB2API_CRM_ADMIN_TOKEN) is required']);
  });

  it('names the variable of every invalid value, as the operator spelled it', () => {
    expect(
      problems({
        SUB2API_CRM_ADMIN_TOKEN: TOKEN,
        SUB2API_CRM_LISTEN_ADDR: 'nowhere',
        MANAGER_ADMIN_SESSION_TTL: 'forever',
        MANAGER_PROBE_INTERVAL: '0s',
        MANAGER_COOKIE_SECURE: 'maybe',
        REDIS_URL: 'http://redis',
        LOG_LEVEL: 'loud',
        NODE_ENV: 'staging',
      }),
    ).toEqual([
      'NODE_ENV: must be development, production or test',
      'SUB2API_CRM_LISTEN_ADDR: "nowhere" is not host:port (e.g. 127.0.0.1:18190)',
      'MANAGER_ADMIN_SESSION_TTL: "forever" is not a duration such as 90s, 30m or 12h',
      'MANAGER_COOKIE_SECURE: must be true or false',
      'REDIS_URL: must start with redis:// or rediss://',
      'MANAGER_PROBE_INTERVAL: must be between 1s and 86400s',
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
    expect(problems({ MANAGER_ADMIN_TOKEN: 'short' })).toEqual([
      'MANAGER_ADMIN_TOKEN: must be at least 16 characters',
    ]);
  });

  it('parses listen addresses, the cookie switch and the probe interval', () => {
    const config = loadConfig({
      MANAGER_ADMIN_TOKEN: TOKEN,
      MANAGER_LISTEN_ADDR: '[::1]:9000',
      MANAGER_COOKIE_SECURE: 'false',
      MANAGER_PROBE_INTERVAL: '90s',
      REDIS_URL: 'redis://127.0.0.1:6379/3',
    });
    expect(config.listen).toEqual({ host: '::1', port: 9000 });
    expect(config.cookieSecure).toBe(false);
    expect(config.probeIntervalMs).toBe(90_000);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379/3');
  });
});

describe('parseDuration', () => {
  it.each([
    ['12h', 12 * 3_600_000],
    ['30m', 1_800_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['500ms', 500],
    ['45', 45_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'h', '12 hours', '1.5h', '-1h', '12h junk'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
