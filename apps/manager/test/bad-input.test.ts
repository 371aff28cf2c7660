import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestManager } from './support/test-services.ts';
import { bearer, readJson, testManager } from './support/test-services.ts';

let m: TestManager;
beforeAll(async () => {
  // The generated base URLs are invalid or point at a closed loopback port: nothing is registered, no network used.
  m = await testManager();
});
afterAll(() => m.close());

const ROUTES: [string, string][] = [
  ['POST', '/api/hosts'],
  ['PATCH', '/api/hosts/hst_00000000000000000000000000'],
  ['POST', '/api/hosts/hst_00000000000000000000000000/smoke'],
  ['POST', '/api/auth/login'],
];

/** Arbitrary bodies: random JSON (deep, unicode, wrong types), and raw text that is mostly not JSON. */
const bodies = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
  fc
    .record({
      name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      base_url: fc.oneof(
        fc.constantFrom('http://127.0.0.1:9', 'http://u:p@127.0.0.1:9', 'ftp://x', 'http://[::1'),
        fc.string(),
      ),
      admin_token: fc.oneof(fc.string(), fc.array(fc.string())),
      labels: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.string()),
    })
    .map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary' }),
);

describe('bad input', () => {
  it('always gets a documented 4xx in the envelope, never a 500, and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), bodies, async ([method, path], body) => {
        const res = await m.app.request(path, {
          method,
          headers: { ...bearer, 'content-type': 'application/json' },
          body,
        });
        expect(res.status, `${method} ${path} ${body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        const envelope = await readJson(res);
        expect(envelope.error).toMatchObject({
          code: expect.any(String),
          message: expect.any(String),
          request_id: expect.any(String),
        });
      }),
      { numRuns: 150 },
    );
    expect(m.services.store.hosts.all()).toEqual([]);
  });

  it('replaces x-request-id values that are not sane tokens', async () => {
    // (CR/LF never get this far: the HTTP layer refuses them.)
    for (const id of [
      '<script>alert(1)</script>',
      'a b',
      'x'.repeat(200),
      '',
      '"quoted"',
      'semi;colon',
      'caf\u00e9',
    ]) {
      const res = await m.app.request('/healthz', { headers: { 'x-request-id': id } });
      expect(res.headers.get('x-request-id'), id).toMatch(/^req_[0-9a-z]{26}$/);
    }
  });
});
