import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@relay/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { buildServices } from '../../src/services.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** GATEWAY_REDIS_PREFIX: two deployments on one Redis keep apart every key they write. */
describe('GATEWAY_REDIS_PREFIX', () => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  const dataDir = join(tmpdir(), `relay-prefix-${randomBytes(4).toString('hex')}`);
  afterAll(async () => {
    redis.disconnect();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is validated', () => {
    const base = { GATEWAY_ADMIN_TOKEN: 'admin-token-0123456789' };
    expect(loadConfig({ ...base, GATEWAY_REDIS_PREFIX: 'tenant-a:' }).redisPrefix).toBe('tenant-a:');
    expect(loadConfig(base).redisPrefix).toBeUndefined();
    expect(() => loadConfig({ ...base, GATEWAY_REDIS_PREFIX: 'has space' })).toThrow(ConfigError);
  });

  it('puts the runtime state and the usage queue of a gateway under its prefix', async () => {
    const prefix = `i14-prefix-${randomBytes(4).toString('hex')}:`;
    const config = loadConfig({
      GATEWAY_ADMIN_TOKEN: 'admin-token-0123456789',
      GATEWAY_DATA_DIR: dataDir,
      REDIS_URL,
      GATEWAY_REDIS_PREFIX: prefix,
    });
    const services = await buildServices(config, createLogger({ level: 'silent' }));
    try {
      // The usage queue's worker registers its keys at start; all of them carry the deployment's prefix.
      const keys = await waitFor(async () => {
        const found = await redis.keys(`*${prefix}*`);
        return found.length > 0 ? found : undefined;
      });
      expect((keys ?? []).some((key) => key.startsWith(`{${prefix}usage}`))).toBe(true);
    } finally {
      await services.close();
      const left = await redis.keys(`*${prefix}*`);
      if (left.length > 0) await redis.del(...left);
    }
  });
});
