import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  const production = { NODE_ENV: 'production', MANAGER_SECRET_KEY: 'a-test-secret-key-0123456789' };

  it('in production, answers 503 while no valid pack is loaded', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'relay-broken-packs-'));
    await mkdir(join(repo, 'packs', 'broken'), { recursive: true });
    await writeFile(join(repo, 'packs', 'broken', 'pack.json'), '{');
    const m = await testManager({ env: { ...production, MANAGER_REPO_ROOT: repo } });
    try {
      const res = await m.app.request('/readyz');
      expect(res.status).toBe(503);
      expect((await readJson(res)).checks.pack_repo).toEqual({
        ok: false,
        detail: '1 packs loaded, 1 invalid',
      });
    } finally {
      await m.close();
      await rm(repo, { recursive: true, force: true });
    }
  });

  it('fills an empty pack repository with the built-in packs, then is ready in production', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'relay-empty-packs-'));
    const m = await testManager({ env: { ...production, MANAGER_REPO_ROOT: repo } });
    try {
      expect((await readdir(join(repo, 'packs'))).sort()).toEqual(['cn', 'global']);
      const res = await m.app.request('/readyz');
      expect(res.status).toBe(200);
      expect((await readJson(res)).checks.pack_repo).toEqual({
        ok: true,
        detail: '2 packs loaded, 0 invalid',
      });
    } finally {
      await m.close();
    }
    // A repository that has packs is left as it is (here: one pack removed by the operator stays removed).
    await rm(join(repo, 'packs', 'cn'), { recursive: true });
    const again = await testManager({ env: { ...production, MANAGER_REPO_ROOT: repo } });
    try {
      expect(await readdir(join(repo, 'packs'))).toEqual(['global']);
    } finally {
      await again.close();
      await rm(repo, { recursive: true, force: true });
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
