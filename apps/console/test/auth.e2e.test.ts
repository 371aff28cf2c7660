import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleStack } from './support/stack.ts';
import { logIn, openPage, startConsoleStack } from './support/stack.ts';

/** Login, logout and the CSRF rule, in a real browser against the real manager process. */

let stack: ConsoleStack;
let evil: Server;
let evilUrl = '';

beforeAll(async () => {
  stack = await startConsoleStack();
  // A page on another origin (another port: same site, different origin) that posts a form to the manager.
  evil = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>evil</title>
<form id="f" method="post" action="${stack.managerUrl}/api/hosts">
<input name="name" value="evil"><input name="base_url" value="http://127.0.0.1:9"><input name="admin_token" value="evil-evil-evil-evil">
</form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await stack?.close();
  evil?.closeAllConnections();
  await new Promise((resolve) => evil?.close(resolve));
});

describe('console login', () => {
  it('shows the login page to a visitor and refuses a wrong password at the form', async () => {
    const { page } = stack;
    await page.goto(`${stack.managerUrl}/`);
    await page.getByRole('heading', { name: 'Relay manager' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/');
    await stack.screenshot('login');
    // Keyboard only: type the password and press Enter.
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'INVALID_CREDENTIALS' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Login failed');
  });

  it('logs in, lands on the overview with a first-step hint, and keeps the session across a reload', async () => {
    const { page } = stack;
    await logIn(stack);
    await page.getByText('Start by registering a gateway host').waitFor();
    await page.reload();
    await page.getByText('Signed in as admin').waitFor();
    const cookies = await stack.context.cookies(stack.managerUrl);
    const session = cookies.find((cookie) => cookie.name === 'relay_manager_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).toBe('{}');
  });

  it('refuses a cross-site form post made with the session cookie (403 CSRF_REJECTED), and records it', async () => {
    const { page } = stack;
    await page.goto(evilUrl);
    await page.waitForURL(`${stack.managerUrl}/api/hosts`);
    await page.getByText('CSRF_REJECTED').waitFor();
    // Still logged in, and no host was registered.
    await page.goto(`${stack.managerUrl}/console/hosts`);
    await page.getByText('No host yet').waitFor();
    await openPage(page, 'Audit');
    await page.getByLabel('Outcome').selectOption('denied');
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = page.getByRole('row').filter({ hasText: 'CSRF_REJECTED' });
    await row.first().waitFor();
    expect(await row.first().textContent()).toContain('403');
  });

  it('logs out: back to the login page, and the console needs a new login after a reload', async () => {
    const { page } = stack;
    await page.goto(`${stack.managerUrl}/console/`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You are logged out.').waitFor();
    await page.goto(`${stack.managerUrl}/console/hosts`);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/hosts')).status);
    expect(status).toBe(401);
  });
});
