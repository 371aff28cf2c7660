import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ManagedProcess, startProcess } from '@relay/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The README's start command, as a newcomer runs it: both apps, the mock upstream and the demo tenant
 * come up, and the printed curl works. Ports and the data dir are moved so a developer's own ./data and
 * ports are untouched.
 */
const root = fileURLToPath(new URL('../../../../', import.meta.url));
let child: ManagedProcess;
let dataDir: string;
let ports: { gateway: number; manager: number; mock: number };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'relay-quickstart-'));
  ports = { gateway: await freePort(), manager: await freePort(), mock: await freePort() };
  child = await startProcess({
    command: process.execPath,
    args: [join(root, 'scripts/start.mjs')],
    cwd: root,
    env: {
      RELAY_DATA_DIR: dataDir,
      RELAY_GATEWAY_PORT: String(ports.gateway),
      RELAY_MANAGER_PORT: String(ports.manager),
      RELAY_MOCK_PORT: String(ports.mock),
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
    },
  });
  await child.waitForOutput(/Stop with Ctrl-C/, { timeoutMs: 150_000 });
}, 180_000);

afterAll(async () => {
  await child?.stop('SIGTERM', 15_000);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('quick start (npm start)', () => {
  it('answers health and the unauthenticated probe on both apps', async () => {
    const gateway = `http://127.0.0.1:${ports.gateway}`;
    const manager = `http://127.0.0.1:${ports.manager}`;
    expect(await (await fetch(`${gateway}/healthz`)).text()).toBe('ok');
    expect(await (await fetch(`${manager}/healthz`)).text()).toBe('ok');
    const models = await fetch(`${gateway}/v1/models`);
    expect(models.status).toBe(401);
    expect(((await models.json()) as { error: { code: string } }).error.code).toBe('API_KEY_REQUIRED');
    expect((await fetch(`${gateway}/metrics`)).status).toBe(200);
    const managerMetrics = await (await fetch(`${manager}/metrics`)).text();
    expect(managerMetrics).toContain('active_hosts');
    expect((await fetch(`${manager}/api/hosts`)).status).toBe(401);
  });

  it('prints a curl whose request answers pong through the mock upstream', async () => {
    const key = /Bearer (sk-relay-[\w-]+)/.exec(child.stdout)?.[1];
    expect(key).toBeDefined();
    const res = await fetch(`http://127.0.0.1:${ports.gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'reply with pong only' }],
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toBe('pong');
  });
});
