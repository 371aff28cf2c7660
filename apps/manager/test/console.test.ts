import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../src/routes/console-routes.ts';
import type { TestManager } from './support/test-services.ts';
import { testManager } from './support/test-services.ts';

/** The console's static serving, over a stand-in build (the real bundle is built by the console's own tests). */
describe('the console at /console/', () => {
  let dir: string;
  let m: TestManager;
  let missing: TestManager;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-console-site-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'assets', 'main-ABC123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'main-DEF456.css'), 'body{}');
    m = await testManager({ env: { MANAGER_CONSOLE_DIR: dir } });
    missing = await testManager({ env: { MANAGER_CONSOLE_DIR: join(dir, 'nothing-here') } });
  });
  afterAll(async () => {
    await Promise.all([m?.close(), missing?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page for every console path, never cached, under a strict CSP', async () => {
    for (const path of ['/console/', '/console/hosts', '/console/providers/deepseek']) {
      const res = await m.app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(await res.text()).toContain('<title>console</title>');
    }
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe');
  });

  it('serves hashed assets with a year-long immutable cache, and 404s unknown ones', async () => {
    const js = await m.app.request('/console/assets/main-ABC123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log(1)');
    const css = await m.app.request('/console/assets/main-DEF456.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const unknown = await m.app.request('/console/assets/main-OLD.js');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const traversal = await m.app.request('/console/assets/../../package.json');
    expect(traversal.status).not.toBe(200);
  });

  it('leads / and /console to /console/', async () => {
    const root = await m.app.request('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const bare = await m.app.request('/console');
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/console/');
  });

  it('answers 503 with how to build it when the console is not built', async () => {
    const res = await missing.app.request('/console/');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('pnpm build');
  });
});
