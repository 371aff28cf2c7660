import { describe, expect, it } from 'vitest';
import { Drain } from '../../src/http/drain.ts';
import { buildTestApp } from '../support/test-app.ts';

/** The drain gate in-process: what a request sees once SIGTERM has begun the drain. */
describe('drain', () => {
  it('refuses new requests with 503 + Connection: close, readyz 503, healthz still ok', async () => {
    const drain = new Drain();
    const { app } = buildTestApp({ drain });
    expect((await app.request('/readyz')).status).toBe(200);
    drain.begin();
    const refused = await app.request('/v1/models', { headers: { authorization: 'Bearer sk-x' } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('connection')).toBe('close');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
    const admin = await app.request('/admin/v1/capabilities');
    expect(admin.status).toBe(503);
    expect(((await admin.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('idle() resolves once the requests in flight have finished', async () => {
    const drain = new Drain();
    const { app } = buildTestApp({ drain });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    app.get('/slow', async (c) => {
      await held;
      return c.text('done');
    });
    const inFlight = app.request('/slow');
    await Promise.resolve();
    expect(drain.inFlightCount).toBe(1);
    drain.begin();
    let idle = false;
    const waiting = drain.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    release();
    expect(await (await inFlight).text()).toBe('done');
    await waiting;
    expect(drain.inFlightCount).toBe(0);
  });
});
