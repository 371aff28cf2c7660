// The one start command (README): both apps on embedded defaults plus a mock upstream and a demo tenant,
// so the first curl works. Plain Node; installs dependencies on first run.
// - The apps' logs go to <data>/logs/<app>.log; the terminal shows only this script's lines, banner last.
// - SIGTERM or SIGINT to npm, to this script or to any app stops everything: the apps get an IPC channel
//   and stop themselves when it closes (scripts/exit-with-parent.mjs), and this script stops when its
//   parent (npm) goes away, so no process is left holding a port.
// Settings (all optional): RELAY_DATA_DIR, RELAY_GATEWAY_PORT, RELAY_MANAGER_PORT, RELAY_MOCK_PORT.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureInstalled, root } from './bootstrap.mjs';

const dataDir = process.env.RELAY_DATA_DIR ?? join(root, 'data');
const logDir = join(dataDir, 'logs');
const gatewayPort = portSetting('RELAY_GATEWAY_PORT', 8080);
const managerPort = portSetting('RELAY_MANAGER_PORT', 18190);
const mockPort = portSetting('RELAY_MOCK_PORT', 18081);
const tsxImport = join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const exitWithParent = join(root, 'scripts', 'exit-with-parent.mjs');

function portSetting(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`[relay] ${name}=${text} is not a port number (1-65535)`);
    process.exit(2);
  }
  return port;
}

/** Resolves when nothing listens on the port; otherwise names the variable that moves it. */
function checkPortFree(port, name, variable) {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} (${name}) is already in use: stop what listens there or set ${variable} to a free port`
            : `cannot use port ${port} (${name}): ${error.message}`,
        ),
      ),
    );
    probe.listen({ port, host: '0.0.0.0', exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Demo settings are generated once and kept in data/demo.json so restarts keep the same tokens. */
function loadDemoSettings() {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'demo.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const settings = {
    gatewayAdminToken: `gw-admin-${randomBytes(18).toString('base64url')}`,
    managerAdminToken: `mgr-admin-${randomBytes(18).toString('base64url')}`,
    mockApiKey: `sk-mock-${randomBytes(12).toString('hex')}`,
  };
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  return settings;
}

const children = [];
let stopping = false;

function launch(name, entry, env, args = []) {
  const logFile = join(logDir, `${name}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    ['--import', exitWithParent, '--import', tsxImport, join(root, entry), ...args],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', log, log, 'ipc'] },
  );
  children.push({ name, child });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[relay] ${name} exited (${signal ?? code}); stopping everything. Its last lines:`);
      console.error(lastLines(logFile, 15));
      stop(1);
    }
  });
  return child;
}

function lastLines(file, count) {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count);
    return lines.map((line) => `  ${line}`).join('\n');
  } catch {
    return '  (no log)';
  }
}

async function waitForHealthy(name, url, deadlineMs = 60_000) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not become healthy at ${url} within ${deadlineMs / 1000} s`);
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 5_000).unref();
  Promise.all(
    children.map(({ child }) => (child.exitCode === null ? new Promise((r) => child.on('exit', r)) : null)),
  ).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGHUP', () => stop(0));
// npm (or a supervisor) that dies without passing its signal on leaves this process re-parented: stop too.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) stop(0);
}, 500).unref();

/** Builds the operator console (apps/console/dist) the manager serves at /console/: under a second. */
async function buildConsole() {
  await new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', tsxImport, join(root, 'apps', 'console', 'build', 'cli.ts')],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`console build failed (exit ${code})`)),
    );
  });
}

async function main() {
  ensureInstalled();
  await checkPortFree(gatewayPort, 'gateway', 'RELAY_GATEWAY_PORT');
  await checkPortFree(managerPort, 'manager', 'RELAY_MANAGER_PORT');
  await checkPortFree(mockPort, 'mock upstream', 'RELAY_MOCK_PORT');
  const demo = loadDemoSettings();
  mkdirSync(logDir, { recursive: true });
  await buildConsole();
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  launch('mock', 'packages/testkit/src/mock-cli.ts', {}, [
    '--port',
    String(mockPort),
    '--api-key',
    demo.mockApiKey,
  ]);
  await waitForHealthy('mock upstream', `${mockUrl}/healthz`);

  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  launch('gateway', 'apps/gateway/src/serve.ts', {
    GATEWAY_PORT: String(gatewayPort),
    GATEWAY_ADMIN_TOKEN: demo.gatewayAdminToken,
    GATEWAY_DATA_DIR: join(dataDir, 'gateway'),
  });
  const managerUrl = `http://127.0.0.1:${managerPort}`;
  launch('manager', 'apps/manager/src/serve.ts', {
    MANAGER_LISTEN_ADDR: `127.0.0.1:${managerPort}`,
    MANAGER_ADMIN_TOKEN: demo.managerAdminToken,
    MANAGER_SQLITE_PATH: join(dataDir, 'manager.db'),
    MANAGER_REPO_ROOT: root,
    MANAGER_COOKIE_SECURE: 'false',
  });
  await Promise.all([
    waitForHealthy('gateway', `${gatewayUrl}/healthz`),
    waitForHealthy('manager', `${managerUrl}/healthz`),
  ]);

  const seed = await seedDemo(demo, gatewayUrl, mockUrl);
  console.log(`
Relay is running (embedded mode, data in ${dataDir}, logs in ${logDir}):
  gateway  ${gatewayUrl}   admin token: ${demo.gatewayAdminToken}
  manager  ${managerUrl}  admin token: ${demo.managerAdminToken}
  console  ${managerUrl}/console/  log in as "admin" with the manager admin token above as the password
  mock upstream ${mockUrl}
${seed}
Embedded mode batches usage in memory: a crash can lose the last fraction of a second of usage.
Production runs with DATABASE_URL and REDIS_URL (docs/operations.md).
Stop with Ctrl-C.`);
}

/** Creates the demo tenant once through the gateway admin API and returns the text to print. */
async function seedDemo(demo, gatewayUrl, mockUrl) {
  const seedEntry = join(root, 'apps/gateway/src/demo/seed-cli.ts');
  if (!existsSync(seedEntry)) return '  (demo seed not available in this build)';
  const output = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', exitWithParent, '--import', tsxImport, seedEntry], {
      cwd: root,
      env: {
        ...process.env,
        RELAY_SEED_GATEWAY_URL: gatewayUrl,
        RELAY_SEED_ADMIN_TOKEN: demo.gatewayAdminToken,
        RELAY_SEED_MOCK_URL: mockUrl,
        RELAY_SEED_MOCK_API_KEY: demo.mockApiKey,
        RELAY_SEED_STATE_FILE: join(dataDir, 'demo-tenant.json'),
      },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`demo seed failed (exit ${code})`)),
    );
  });
  return output;
}

main().catch((error) => {
  console.error(`[relay] ${error.message}`);
  stop(1);
});
