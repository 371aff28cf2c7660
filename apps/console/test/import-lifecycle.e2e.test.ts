import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleStack } from './support/stack.ts';
import { GATEWAY_TOKEN, logIn, openPage, startConsoleStack } from './support/stack.ts';

/**
 * The whole import lifecycle from the console alone, as a newcomer does it: register a host (first with a
 * wrong token), preview DeepSeek, import it, smoke `pong`, find drift made through the gateway admin API and
 * repair it, check and repair access, roll back. One app set and one browser for the file; steps in order.
 */

const MANAGED = 'relay.manager/managed-by=relay-manager';
let stack: ConsoleStack;

beforeAll(async () => {
  stack = await startConsoleStack();
  await logIn(stack);
});

afterAll(async () => {
  await stack?.close();
});

describe('the import lifecycle in the console', () => {
  it('shows the probe report when a host refuses the admin token, then registers it with the right one', async () => {
    const { page } = stack;
    await openPage(page, 'Hosts');
    await page.getByRole('heading', { level: 1, name: 'Hosts' }).waitFor();
    await page.getByLabel('Name').fill('local-gateway');
    await page.getByLabel('Gateway base URL').fill(stack.gatewayUrl);
    await page.getByLabel('Gateway admin token').fill('definitely-not-the-admin-token');
    await page.getByRole('button', { name: 'Probe and register' }).click();
    await page.getByRole('alert').filter({ hasText: 'HOST_PROBE_FAILED' }).waitFor();
    const report = page.getByRole('region', { name: 'Probe report' });
    await report.getByText('admin token refused').waitFor();
    expect(await report.getByRole('row').filter({ hasText: 'capabilities' }).textContent()).toContain('401');
    await stack.screenshot('hosts-probe-refused');

    await page.getByLabel('Gateway admin token').fill(GATEWAY_TOKEN);
    await page.getByRole('button', { name: 'Probe and register' }).click();
    await page.getByText('the probe passed').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'local-gateway' });
    await row.getByText('active').waitFor();
    expect(await row.textContent()).toContain(stack.gatewayUrl);
    await stack.screenshot('hosts');
  });

  it('lists packs and providers with models, prices and their source', async () => {
    const { page } = stack;
    await openPage(page, 'Packs and providers');
    await page.getByRole('link', { name: 'DeepSeek', exact: true }).waitFor();
    await stack.screenshot('providers');
    await page.getByRole('link', { name: 'DeepSeek', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'DeepSeek' }).waitFor();
    const chat = page.getByRole('row').filter({ hasText: 'deepseek-chat' }).first();
    expect(await chat.textContent()).toContain('$0.28');
    await page.getByText('as of 2025-10-15').waitFor();
  });

  it('previews the import as a readable plan with fingerprints only, writing nothing', async () => {
    const { page, upstream, admin } = stack;
    const before = await admin.accounts.listAll();
    await page.getByLabel('Upstream API keys').fill(`deepseek-main,${upstream.apiKey}`);
    await page.getByLabel('Upstream base URL').fill(`${upstream.url}/v1`);
    await page.getByLabel('Tenant user name').fill('acme');
    await page.getByLabel('Opening balance (USD)').fill('5');
    await page.getByRole('button', { name: 'Preview import' }).click();
    const plan = page.getByRole('region', { name: 'Import plan' });
    await plan.waitFor();
    const ops = plan.getByRole('row').filter({ has: page.locator('td') });
    expect(await ops.count()).toBe(7);
    for (const type of ['user', 'group', 'account', 'account_group', 'price', 'api_key']) {
      expect(await plan.getByRole('cell', { name: type, exact: true }).count()).toBeGreaterThan(0);
    }
    expect(await plan.getByText('create', { exact: true }).count()).toBe(8); // 7 ops + the summary
    expect(await plan.textContent()).toContain('Nothing has been written to the host yet');
    expect(await page.locator('body').textContent()).not.toContain(upstream.apiKey);
    expect(await admin.accounts.listAll()).toEqual(before);
    await stack.screenshot('provider-plan');
  });

  it('imports after a confirmation and shows the batch, the tenant key once and the closure', async () => {
    const { page, admin } = stack;
    await page.getByRole('button', { name: 'Import…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('7 create').waitFor();
    await stack.screenshot('provider-import-confirm');
    await dialog.getByRole('button', { name: 'Import now' }).click();
    const result = page.getByRole('region', { name: 'Import result' });
    await result.getByText('succeeded').first().waitFor();
    expect(await result.getByText(/^sk-relay-/).count()).toBe(1);
    expect(await result.getByRole('row').filter({ hasText: 'created' }).count()).toBe(7);
    await result.getByText('Access closure now').waitFor();
    expect(await admin.accounts.listAll({ label: MANAGED })).toHaveLength(1);
    await stack.screenshot('provider-import-result');
  });

  it('runs the smoke test and shows the model answering pong', async () => {
    const { page } = stack;
    await page.getByRole('button', { name: 'Run smoke test' }).click();
    const smoke = page.getByRole('region', { name: 'Smoke test result' });
    await smoke.getByText('answered pong').waitFor();
    expect(await smoke.getByText('passed').count()).toBeGreaterThanOrEqual(4);
    await stack.screenshot('provider-smoke');
  });

  it('reports a drift made through the gateway admin API, and repair clears it', async () => {
    const { page, admin } = stack;
    const group = (await admin.groups.listAll({ name: 'deepseek' }))[0];
    expect(group).toBeDefined();
    await admin.groups.update(group?.id ?? '', { rate_multiplier: '2.5' });

    await page.getByRole('button', { name: 'Check for drift' }).click();
    const report = page.getByRole('region', { name: 'Reconcile result' });
    await report.getByText('1 drifted resource').waitFor();
    const row = report.getByRole('row').filter({ hasText: 'rate_multiplier' });
    expect(await row.textContent()).toMatch(/modified.*group.*deepseek.*expected "1", found "2.5"/);
    await stack.screenshot('provider-drift');

    await page.getByRole('button', { name: 'Repair drift…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Repair' }).click();
    await report.getByText(/Repaired 1: group deepseek/).waitFor();
    expect((await admin.groups.get(group?.id ?? '')).rate_multiplier).toBe('1');
    await page.getByRole('button', { name: 'Check for drift' }).click();
    await report.getByText('No drift: the host matches the record.').waitFor();
  });

  it('finds a binding deleted behind its back in the access check, and access repair restores it', async () => {
    const { page, admin } = stack;
    const binding = (await admin.accountGroups.listAll({ label: MANAGED }))[0];
    await admin.accountGroups.delete(binding?.id ?? '');
    await page.getByRole('button', { name: 'Check access' }).click();
    const closure = page.getByRole('region', { name: 'Access closure', exact: true });
    await closure.getByText('BINDING_MISSING').waitFor();
    await closure.getByText('broken').waitFor();
    await page.getByRole('button', { name: 'Repair access' }).click();
    await page.getByText('Access repair recreated 1 binding').waitFor();
    await page.getByRole('region', { name: 'Access closure after repair' }).getByText('complete').waitFor();
    expect(await admin.accountGroups.listAll({ group_id: binding?.group_id })).toHaveLength(1);
  });

  it('shows the host healthy with its provider on the overview and the host page', async () => {
    const { page } = stack;
    await openPage(page, 'Overview');
    const row = page.getByRole('row').filter({ hasText: 'deepseek' });
    await row.getByText('complete').waitFor();
    await page.getByText('all clear').waitFor();
    await stack.screenshot('overview');
    await page.getByRole('link', { name: 'local-gateway', exact: true }).first().click();
    await page.getByRole('heading', { level: 1, name: /local-gateway/ }).waitFor();
    await page.getByRole('region', { name: 'Smoke test result' }).getByText('answered pong').waitFor();
    await stack.screenshot('host');
  });

  it('rolls back after a confirmation that lists what will be deleted, leaving nothing of ours', async () => {
    const { page, admin } = stack;
    await page.getByRole('link', { name: 'deepseek', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'DeepSeek' }).waitFor();
    await page.getByText(/records \d+ resources of deepseek/).waitFor();
    await page.getByRole('button', { name: 'Roll back…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('table', { name: 'Resources to delete' }).waitFor();
    // 7 imported + the smoke user and key.
    expect(
      await dialog
        .getByRole('row')
        .filter({ has: page.locator('td') })
        .count(),
    ).toBe(9);
    await dialog.getByRole('button', { name: 'Delete 9 resources' }).waitFor();
    await stack.screenshot('provider-rollback-confirm');
    await dialog.getByRole('button', { name: 'Delete 9 resources' }).click();
    await page.getByRole('region', { name: 'Rollback result' }).getByText('succeeded').first().waitFor();
    await page.getByText('records 0 resources of deepseek').waitFor();
    for (const list of [admin.users, admin.groups, admin.accounts, admin.apiKeys, admin.prices]) {
      expect(await list.listAll({ label: MANAGED })).toEqual([]);
    }
    await page.getByRole('button', { name: 'Roll back…' }).click();
    await page.getByRole('dialog').getByText('there is nothing to roll back').waitFor();
    // Keyboard: Escape closes a confirmation without doing anything.
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
  });

  it('shows who did what in the audit trail, filterable by action', async () => {
    const { page } = stack;
    await openPage(page, 'Audit');
    await page.getByLabel('Action').fill('provider.import');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.getByRole('row').filter({ hasText: 'provider.import' });
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('session:admin');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('row').filter({ hasText: 'provider.rollback' }).first().waitFor();
    await stack.screenshot('audit');
  });
});
