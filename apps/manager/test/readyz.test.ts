import { freePort, waitFor } from '@relay/testkit';
import { describe, expect, it } from 'vitest';
import { readJson, testManager } from './support/test-services.ts';

describe('GET /readyz', () => {
  it('checks Redis when REDIS_URL is set', async () => {
    const m = await testManager({ env: { REDIS_URL: 'redis://127.0.0.1:6379' } });
    try {
      const body = await waitFor(async () => {
        const res = await m.app.request('/readyz');
        return res.status === 200 ? readJson(res) : undefined;
      });
      expect(body.checks.redis).toEqual({ ok: true, detail: 'redis answers' });
    } finally {
      await m.close();
    }
  });

  it('answers 503 naming Redis when it is down', async () => {
    const m = await testManager({ env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
    try {
      const res = await m.app.request('/readyz');
      expect(res.status).toBe(503);
      const body = await readJson(res);
      expect(body.status).toBe('unavailable');
      expect(body.checks.redis.ok).toBe(false);
      expect(body.checks.db.ok).toBe(true);
    } finally {
      await m.close();
    }
  });

  it('answers 503 when the pack repository is missing', async () => {
    const m = await testManager({ env: { MANAGER_REPO_ROOT: '/nonexistent/relay-packs' } });
    try {
      const res = await m.app.request('/readyz');
      expect(res.status).toBe(503);
      expect((await readJson(res)).checks.pack_repo).toMatchObject({ ok: false });
      const packs = await readJson(
        await m.app.request('/api/packs', {
          headers: { authorization: `Bearer ${m.services.config.adminToken}` },
        }),
      );
      expect(packs.items).toEqual([]);
      expect(packs.repository_errors[0].code).toBe('PACKS_DIR_MISSING');
    } finally {
      await m.close();
    }
  });
});
