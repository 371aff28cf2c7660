import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdminClient } from '@relay/admin-client';
import { createAdminClient } from '@relay/admin-client';
import type { ManagedProcess, MockUpstream } from '@relay/testkit';
import { freePort, startMockUpstream, startTsxProcess } from '@relay/testkit';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { CONSOLE_DIST } from '../../build/build-console.ts';

const GATEWAY_ENTRY = fileURLToPath(new URL('../../../gateway/src/serve.ts', import.meta.url));
const MANAGER_ENTRY = fileURLToPath(new URL('../../../manager/src/serve.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../../.test-results/screenshots/', import.meta.url));
const DOCS_DIR = join(REPO_ROOT, 'docs', 'console');

/** Debian's Chromium (installed by .ci/run with apt when absent); never a downloaded browser build. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * How long an app may take to answer /healthz. The gateway creates and migrates its embedded PGlite cluster at
 * start: seconds on an idle machine, tens of seconds on a loaded CI runner.
 */
const STARTUP_TIMEOUT_MS = 180_000;

export const MANAGER_TOKEN = 'console-e2e-manager-admin-token-0123';
export const GATEWAY_TOKEN = 'console-e2e-gateway-admin-token-0123456789';
export const MANAGER_PASSWORD = 'console-e2e-password';

/** Settings a developer's shell could carry into the children and change what a test sees. */
const SCRUBBED = [
  'DATABASE_URL',
  'REDIS_URL',
  'MANAGER_ADMIN_TOKEN',
  'MANAGER_LISTEN_ADDR',
  'MANAGER_SQLITE_PATH',
  'MANAGER_REPO_ROOT',
  'MANAGER_ADMIN_USERNAME',
  'MANAGER_ADMIN_PASSWORD',
  'MANAGER_ADMIN_SESSION_TTL',
  'MANAGER_COOKIE_SECURE',
  'MANAGER_SECRET_KEY',
  'MANAGER_CONSOLE_DIR',
  'SUB2API_CRM_ADMIN_TOKEN',
  'SUB2API_CRM_LISTEN_ADDR',
  'SUB2API_CRM_SQLITE_DSN',
  'SUB2API_CRM_REPO_ROOT',
  'SUB2API_CRM_ADMIN_USERNAME',
  'SUB2API_CRM_ADMIN_PASSWORD',
  'SUB2API_CRM_ADMIN_SESSION_TTL',
];

export type ConsoleStack = {
  upstream: MockUpstream;
  gateway: ManagedProcess;
  gatewayUrl: string;
  manager: ManagedProcess;
  managerUrl: string;
  /** The gateway admin API, to change things behind the manager's back. */
  admin: AdminClient;
  context: BrowserContext;
  page: Page;
  /** Saves a full-page screenshot as `<name>.png` (and into docs/console/ with UPDATE_SCREENSHOTS=1). */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
};

/**
 * One test file's world: the testkit mock upstream, the real gateway process (embedded PGlite), the real
 * manager process serving the built console, and a fresh headless Chromium profile.
 */
export async function startConsoleStack(
  options: { managerEnv?: Record<string, string | undefined>; upstreamLatencyMs?: number } = {},
): Promise<ConsoleStack> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with "apt-get install chromium" (.ci/run does)`,
    );
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-console-e2e-'));
  const [gatewayPort, managerPort] = [await freePort(), await freePort()];
  const managerUrl = `http://127.0.0.1:${managerPort}`;
  const [upstream, gateway, manager] = await Promise.all([
    startMockUpstream({ latencyMs: options.upstreamLatencyMs ?? 0 }),
    startTsxProcess(
      GATEWAY_ENTRY,
      {
        ...Object.fromEntries(SCRUBBED.map((name) => [name, undefined])),
        NODE_ENV: 'test',
        GATEWAY_PORT: String(gatewayPort),
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_ADMIN_TOKEN: GATEWAY_TOKEN,
        GATEWAY_SECRET_KEY: 'console-e2e-gateway-secret-key-0123456789',
        GATEWAY_DATA_DIR: join(dataDir, 'gateway'),
        LOG_LEVEL: 'warn',
      },
      { readyUrl: `http://127.0.0.1:${gatewayPort}/healthz`, timeoutMs: STARTUP_TIMEOUT_MS },
    ),
    startTsxProcess(
      MANAGER_ENTRY,
      {
        ...Object.fromEntries(SCRUBBED.map((name) => [name, undefined])),
        NODE_ENV: 'test',
        MANAGER_LISTEN_ADDR: `127.0.0.1:${managerPort}`,
        MANAGER_SQLITE_PATH: join(dataDir, 'manager.db'),
        MANAGER_ADMIN_TOKEN: MANAGER_TOKEN,
        MANAGER_ADMIN_PASSWORD: MANAGER_PASSWORD,
        MANAGER_COOKIE_SECURE: 'false',
        MANAGER_CONSOLE_DIR: CONSOLE_DIST,
        MANAGER_REPO_ROOT: REPO_ROOT,
        MANAGER_PROBE_INTERVAL: '1h',
        MANAGER_RECONCILE_INTERVAL: '1h',
        LOG_LEVEL: 'warn',
        ...options.managerEnv,
      },
      { readyUrl: `${managerUrl}/healthz`, timeoutMs: STARTUP_TIMEOUT_MS },
    ),
  ]);
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(join(dataDir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
  } catch (error) {
    await Promise.all([manager.stop('SIGTERM', 10_000), gateway.stop('SIGTERM', 10_000), upstream.close()]);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      problems.push(`CSP violation: ${message.text()}`);
    }
  });

  return {
    upstream,
    gateway,
    gatewayUrl,
    manager,
    managerUrl,
    admin: createAdminClient({ baseUrl: gatewayUrl, token: GATEWAY_TOKEN }),
    context,
    page,
    screenshot: async (name) => {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const file = join(RESULTS_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
      if (process.env.UPDATE_SCREENSHOTS === '1') {
        mkdirSync(DOCS_DIR, { recursive: true });
        copyFileSync(file, join(DOCS_DIR, `${name}.png`));
      }
    },
    close: async () => {
      await context.close().catch(() => undefined);
      await Promise.all([manager.stop('SIGTERM', 10_000), gateway.stop('SIGTERM', 10_000), upstream.close()]);
      rmSync(dataDir, { recursive: true, force: true });
      if (problems.length > 0) throw new Error(`the console reported problems:\n${problems.join('\n')}`);
    },
  };
}

/** A throwaway git repository holding a copy of the built-in packs, with one commit (for publish). */
export function createPackRepo(): { root: string; git(...args: string[]): string; dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), 'relay-console-packs-'));
  cpSync(join(REPO_ROOT, 'packs'), join(root, 'packs'), { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
      },
    });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '.');
  git('-c', 'commit.gpgsign=false', 'commit', '--quiet', '-m', 'packs');
  return { root, git, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/** A manager API call with the admin token: setup and "another operator", never what a test checks. */
export async function managerApi(
  stack: ConsoleStack,
  method: string,
  path: string,
  body?: unknown,
): Promise<any> {
  const res = await fetch(`${stack.managerUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${MANAGER_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** Follows a link of the main navigation (not a same-named breadcrumb or link in the page). */
export async function openPage(page: Page, label: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: label, exact: true })
    .click();
}

/** Logs in through the login form and waits for the overview. */
export async function logIn(stack: ConsoleStack, password = MANAGER_PASSWORD): Promise<void> {
  const { page } = stack;
  await page.goto(`${stack.managerUrl}/console/`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}
