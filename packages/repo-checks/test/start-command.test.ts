import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, type ManagedProcess, startProcess } from '@relay/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commandLine, descendants, eventually, isAlive, repoRoot } from './processes.ts';

/**
 * `npm start` as a newcomer and a supervisor use it: a signal to any of its processes stops all of
 * them (no orphan keeps a port), the apps log to <data>/logs, the banner is the last thing printed,
 * and a taken port is one clear line.
 */
let dataDir: string;
const started: ManagedProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'relay-start-'));
});
afterEach(async () => {
  for (const child of started.splice(0)) {
    for (const pid of descendants(child.pid)) process.kill(pid, 'SIGKILL');
    await child.stop('SIGKILL', 1_000);
  }
});
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function portsFree(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen({ port, host: '0.0.0.0', exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (!free) return false;
  }
  return true;
}

async function npmStart(extraEnv: Record<string, string> = {}) {
  const ports = { gateway: await freePort(), manager: await freePort(), mock: await freePort() };
  const child = await startProcess({
    command: 'npm',
    args: ['start'],
    cwd: repoRoot,
    env: {
      RELAY_DATA_DIR: dataDir,
      RELAY_GATEWAY_PORT: String(ports.gateway),
      RELAY_MANAGER_PORT: String(ports.manager),
      RELAY_MOCK_PORT: String(ports.mock),
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      ...extraEnv,
    },
  });
  started.push(child);
  return { child, ports: Object.values(ports) };
}

async function expectAllStopped(root: ManagedProcess, tree: number[], ports: number[]) {
  const gone = await eventually(() => tree.every((pid) => !isAlive(pid)), 20_000);
  const left = tree.filter(isAlive).map((pid) => `${pid} ${commandLine(pid)}`);
  expect(left, 'processes left running').toEqual([]);
  expect(gone).toBe(true);
  await root.exited;
  expect(await eventually(() => portsFree(ports), 5_000)).toBe(true);
}

describe('npm start', () => {
  it('keeps app logs in <data>/logs, prints the banner last, and stops everything on SIGTERM to npm', async () => {
    const { child, ports } = await npmStart();
    await child.waitForOutput(/Stop with Ctrl-C\.\n/, { timeoutMs: 150_000 });
    const tree = descendants(child.pid);
    expect(tree.length).toBeGreaterThanOrEqual(4); // start.mjs, mock, gateway, manager
    // Nothing after the banner, and no app log line in the terminal.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(child.stdout.trimEnd().endsWith('Stop with Ctrl-C.')).toBe(true);
    expect(child.stdout).not.toMatch(/"level":\d+/);
    expect(child.stdout).toMatch(/a crash can lose the last fraction of a second of usage/);
    for (const app of ['gateway', 'manager', 'mock']) {
      expect(existsSync(join(dataDir, 'logs', `${app}.log`))).toBe(true);
    }
    expect(readFileSync(join(dataDir, 'logs', 'gateway.log'), 'utf8')).toMatch(/embedded mode: usage/);
    // The operator console is built and served, and the banner says where and how to log in.
    const consoleUrl = /console\s+(http:\/\/\S+\/console\/)\s+log in as "admin"/.exec(child.stdout)?.[1];
    expect(consoleUrl).toBeDefined();
    const page = await fetch(consoleUrl ?? '');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/console/assets/main-');

    process.kill(child.pid, 'SIGTERM');
    await expectAllStopped(child, tree, ports);
  });

  it('stops everything on SIGINT to npm', async () => {
    const { child, ports } = await npmStart();
    await child.waitForOutput(/Stop with Ctrl-C\.\n/, { timeoutMs: 150_000 });
    const tree = descendants(child.pid);
    process.kill(child.pid, 'SIGINT');
    await expectAllStopped(child, tree, ports);
  });

  it('stops everything when one app is stopped, and when the start script itself is killed', async () => {
    const { child, ports } = await npmStart();
    await child.waitForOutput(/Stop with Ctrl-C\.\n/, { timeoutMs: 150_000 });
    const tree = descendants(child.pid);
    const gateway = tree.find((pid) => commandLine(pid).includes('apps/gateway/src/serve.ts'));
    expect(gateway).toBeDefined();
    process.kill(gateway as number, 'SIGTERM');
    await expectAllStopped(child, tree, ports);

    // SIGKILL to start.mjs: it cannot clean up, so each app notices its parent is gone and stops itself.
    const second = await npmStart();
    await second.child.waitForOutput(/Stop with Ctrl-C\.\n/, { timeoutMs: 150_000 });
    const secondTree = descendants(second.child.pid);
    const script = secondTree.find((pid) => commandLine(pid).endsWith('scripts/start.mjs'));
    expect(script).toBeDefined();
    process.kill(script as number, 'SIGKILL');
    await expectAllStopped(second.child, secondTree, second.ports);
  });

  it('says in one line which port is taken and which variable moves it', async () => {
    const blocker: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen({ port, host: '0.0.0.0' }, resolve));
    try {
      const { child } = await npmStart({ RELAY_GATEWAY_PORT: String(port) });
      const exit = await child.exited;
      expect(exit.code).not.toBe(0);
      // (npm's own warnings about its environment are not ours)
      const lines = child.stderr
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('npm '));
      expect(lines).toEqual([
        `[relay] port ${port} (gateway) is already in use: stop what listens there or set RELAY_GATEWAY_PORT to a free port`,
      ]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('the apps on a taken port', () => {
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    blocker = createServer();
    port = await freePort();
    await new Promise<void>((resolve) => blocker.listen({ port, host: '0.0.0.0' }, resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
  });

  const tsx = join(repoRoot, 'node_modules/tsx/dist/esm/index.mjs');
  it('gateway: one line naming the address and the setting, exit 1', async () => {
    const run = spawnSync(process.execPath, ['--import', tsx, join(repoRoot, 'apps/gateway/src/serve.ts')], {
      env: {
        PATH: process.env.PATH,
        GATEWAY_PORT: String(port),
        GATEWAY_ADMIN_TOKEN: 'taken-port-test-admin-token',
        GATEWAY_DATA_DIR: join(dataDir, 'taken-port-gateway'),
        LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      `relay-gateway: cannot listen on 0.0.0.0:${port}: the port is already in use (set GATEWAY_PORT or GATEWAY_ADMIN_LISTEN)`,
    );
  });

  it('manager: one line naming the address and the setting, exit 1', async () => {
    const run = spawnSync(process.execPath, ['--import', tsx, join(repoRoot, 'apps/manager/src/serve.ts')], {
      env: {
        PATH: process.env.PATH,
        MANAGER_LISTEN_ADDR: `0.0.0.0:${port}`,
        MANAGER_ADMIN_TOKEN: 'taken-port-test-admin-token',
        MANAGER_SQLITE_PATH: ':memory:',
        LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      `relay-manager: cannot listen on 0.0.0.0:${port}: the port is already in use (set MANAGER_LISTEN_ADDR)`,
    );
  });
});

describe('README commands without a global pnpm', () => {
  it('find the pnpm the bootstrap put in the tools dir, and .tools/ is ignored by git', async () => {
    const which = spawnSync('sh', ['-c', 'command -v pnpm'], { encoding: 'utf8' });
    const pnpm = which.stdout.trim();
    expect(pnpm, 'the test needs a pnpm to copy into the tools dir').not.toBe('');
    // A PATH with node and npm only; the tools dir holds pnpm as `npm install --prefix` leaves it.
    const bin = join(dataDir, 'bin-without-pnpm');
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync('/bin/sh', join(bin, 'sh'));
    const tools = join(dataDir, 'tools');
    mkdirSync(join(tools, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(pnpm, join(tools, 'node_modules', '.bin', 'pnpm'));
    const env = { PATH: bin, HOME: process.env.HOME, RELAY_TOOLS_DIR: tools };

    expect(spawnSync('sh', ['-c', 'command -v pnpm'], { env }).status).not.toBe(0);
    const run = spawnSync(process.execPath, ['scripts/with-pnpm.mjs', 'pnpm', '--version'], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);

    const packs = spawnSync(
      process.execPath,
      ['scripts/with-pnpm.mjs', 'node', 'packages/manifests/bin/relay-packs.mjs', 'validate', 'packs'],
      { cwd: repoRoot, env, encoding: 'utf8' },
    );
    expect(packs.status, packs.stderr).toBe(0);

    const ignored = spawnSync('git', ['check-ignore', '-q', '.tools/node_modules/.bin/pnpm'], {
      cwd: repoRoot,
    });
    expect(ignored.status).toBe(0);
    // Every root script that needs pnpm goes through the wrapper.
    const scripts = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts as Record<
      string,
      string
    >;
    for (const [name, command] of Object.entries(scripts)) {
      const usesPnpmOrTurbo = /(^|\s)(pnpm|turbo)\s/.test(command);
      if (usesPnpmOrTurbo) expect(command, `npm run ${name}`).toMatch(/scripts\/with-pnpm\.mjs (pnpm|turbo)/);
    }
    expect(dirname(pnpm)).not.toBe(bin);
  });
});
