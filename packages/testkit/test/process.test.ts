import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MOCK_API_KEY,
  freePort,
  type ManagedProcess,
  mockCliPath,
  spawnMockUpstream,
  startProcess,
  startTsxProcess,
} from '../src/index.ts';
import { BEARER, createClient, PONG_MESSAGES } from './helpers.ts';

const client = createClient();
const started: ManagedProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop('SIGKILL')));
  await client.close();
});

function track(p: ManagedProcess): ManagedProcess {
  started.push(p);
  return p;
}

const pongRequest = { headers: BEARER, body: { model: 'gpt-4o-mini', messages: PONG_MESSAGES } };

describe('mock CLI as a separate process', () => {
  it('spawnMockUpstream reads the URL line, serves, and stops on SIGTERM', async () => {
    const mock = await spawnMockUpstream({ apiKey: 'sk-cli-key' });
    track(mock.process);
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`);
    expect(mock.process.stdout.trim()).toBe(JSON.stringify({ url: mock.url, port: mock.port }));
    const res = await client.json(`${mock.url}/v1/chat/completions`, {
      ...pongRequest,
      headers: { authorization: 'Bearer sk-cli-key' },
    });
    expect(res.json.choices[0].message.content).toBe('pong');
    await mock.stop();
    expect(mock.process.exitInfo).toEqual({ code: 0, signal: null });
    const refused = await client.call(`${mock.url}/healthz`).catch((e) => e);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('startProcess with a readyUrl resolves once /healthz answers, on a chosen port', async () => {
    const port = await freePort();
    const proc = track(
      await startProcess({
        command: process.execPath,
        args: ['--import', 'tsx', mockCliPath, '--port', String(port)],
        cwd: new URL('..', import.meta.url).pathname,
        readyUrl: `http://127.0.0.1:${port}/healthz`,
      }),
    );
    expect(proc.url).toBe(`http://127.0.0.1:${port}`);
    expect(proc.pid).toBeGreaterThan(0);
    const res = await client.json(`${proc.url}/v1/chat/completions`, pongRequest);
    expect(res.status).toBe(200);
    expect(DEFAULT_MOCK_API_KEY).toBe('sk-mock-upstream');
    const exit = await proc.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await proc.exited).toEqual(exit);
  });

  it('a bad CLI argument exits with code 2 and a message, and startTsxProcess rejects with that output', async () => {
    const port = await freePort();
    const failure = await startTsxProcess(mockCliPath, undefined, {
      args: ['--port', 'abc'],
      readyUrl: `http://127.0.0.1:${port}/healthz`,
      timeoutMs: 15_000,
    }).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/exited .*"code":2/);
    expect((failure as Error).message).toContain('--port must be a non-negative integer, got abc');
  });
});

describe('startProcess', () => {
  const node = process.execPath;

  it('captures stdout and stderr, passes env, and reports the exit', async () => {
    const proc = track(
      await startProcess({
        command: node,
        args: [
          '-e',
          'console.log(process.env.TESTKIT_GREETING); console.error("to stderr"); process.exit(3)',
        ],
        env: { TESTKIT_GREETING: 'hello-from-env' },
      }),
    );
    expect(await proc.exited).toEqual({ code: 3, signal: null });
    expect(proc.stdout).toBe('hello-from-env\n');
    expect(proc.stderr).toBe('to stderr\n');
    expect(await proc.stop()).toEqual({ code: 3, signal: null });
  });

  it('waitForOutput matches printed text and rejects when the process exits first', async () => {
    const proc = track(
      await startProcess({
        command: node,
        args: ['-e', 'setTimeout(() => console.log("ready on 1234"), 50)'],
      }),
    );
    const match = await proc.waitForOutput(/ready on (\d+)/);
    expect(match[1]).toBe('1234');
    await proc.exited;
    await expect(proc.waitForOutput(/never printed/)).rejects.toThrow(/exited .* before printing/);
  });

  it('stop() escalates to SIGKILL when SIGTERM is ignored', async () => {
    const proc = track(
      await startProcess({
        command: node,
        args: [
          '-e',
          'process.on("SIGTERM", () => console.log("ignoring")); console.log("up"); setInterval(() => {}, 1000)',
        ],
      }),
    );
    await proc.waitForOutput(/up/);
    const started = Date.now();
    const exit = await proc.stop('SIGTERM', 200);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(proc.stdout).toContain('ignoring');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('kills a process that misses its readiness deadline and quotes its output', async () => {
    const port = await freePort();
    const failure = await startProcess({
      command: node,
      args: ['-e', 'console.log("booting"); setInterval(() => {}, 1000)'],
      readyUrl: `http://127.0.0.1:${port}/healthz`,
      timeoutMs: 300,
    }).catch((e: Error) => e);
    expect((failure as Error).message).toMatch(/was not ready: waitFor timed out after 300 ms/);
    expect((failure as Error).message).toContain('booting');
  });

  it('rejects when the command does not exist', async () => {
    await expect(startProcess({ command: '/nonexistent/relay-testkit-binary' })).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
