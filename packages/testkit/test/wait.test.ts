import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { freePort, startMockUpstream, WaitTimeoutError, waitFor, waitForHttp } from '../src/index.ts';

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('awaits async predicates and treats throws as "not yet"', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
        return 'done';
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('done');
  });

  it('throws a clear error at the deadline, quoting the message and the last error', async () => {
    const started = Date.now();
    const error = await waitFor(
      () => {
        throw new Error('still booting');
      },
      { timeoutMs: 100, intervalMs: 10, message: 'service is up' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe(
      'waitFor timed out after 100 ms: service is up (last error: still booting)',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not overrun the deadline when a predicate never settles', async () => {
    const started = Date.now();
    await expect(waitFor(() => new Promise(() => undefined), { timeoutMs: 80 })).rejects.toThrow(
      /timed out after 80 ms/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops when its signal aborts', async () => {
    const abort = new AbortController();
    const pending = waitFor(() => false, { timeoutMs: 5000, signal: abort.signal });
    abort.abort(new Error('cancelled by test'));
    await expect(pending).rejects.toThrow('cancelled by test');
  });
});

describe('waitForHttp and freePort', () => {
  it('polls until the expected status, returning status and body', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits += 1;
      res.writeHead(hits < 3 ? 503 : 200).end(hits < 3 ? 'starting' : 'ok');
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const result = await waitForHttp(`http://127.0.0.1:${port}/healthz`, { intervalMs: 5 });
      expect(result).toEqual({ status: 200, body: 'ok' });
      expect(hits).toBe(3);
      const unauthorized = await waitForHttp(`http://127.0.0.1:${port}/x`, { status: 200 });
      expect(unauthorized.status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('waits for a specific non-2xx status and times out clearly when it never comes', async () => {
    const mock = await startMockUpstream();
    try {
      const res = await waitForHttp(`${mock.url}/v1/models`, { status: 401 });
      expect(res.status).toBe(401);
      await expect(waitForHttp(`${mock.url}/v1/models`, { timeoutMs: 100, intervalMs: 10 })).rejects.toThrow(
        /timed out after 100 ms: GET .*\/v1\/models → 2xx \(last error: GET .* answered 401\)/,
      );
    } finally {
      await mock.close();
    }
  });

  it('waits through connection refused until a server listens', async () => {
    const port = await freePort();
    const mock = await startMockUpstream({ port });
    await mock.stop();
    const probe = waitForHttp(`http://127.0.0.1:${port}/healthz`, { intervalMs: 10 });
    await mock.restart();
    expect(await probe).toEqual({ status: 200, body: 'ok' });
    await mock.close();
  });

  it('freePort returns a port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const mock = await startMockUpstream({ port });
    expect(mock.port).toBe(port);
    await mock.close();
  });
});
