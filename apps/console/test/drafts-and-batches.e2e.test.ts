import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleStack } from './support/stack.ts';
import {
  createPackRepo,
  GATEWAY_TOKEN,
  logIn,
  managerApi,
  openPage,
  startConsoleStack,
} from './support/stack.ts';

/**
 * Drafts and batch runs from the console: edit a provider manifest (a field error shown at the field, a
 * stale revision handled), publish it as a git commit into a throwaway pack repository, then a batch run with
 * live progress where one key is refused upstream. The mock upstream answers slowly and the manager works one
 * item at a time, so a run lasts long enough to be seen in progress.
 */

let stack: ConsoleStack;
let repo: ReturnType<typeof createPackRepo>;

beforeAll(async () => {
  repo = createPackRepo();
  stack = await startConsoleStack({
    managerEnv: { MANAGER_REPO_ROOT: repo.root, MANAGER_BATCH_CONCURRENCY: '1' },
    upstreamLatencyMs: 1_500,
  });
  await managerApi(stack, 'POST', '/api/hosts', {
    name: 'local-gateway',
    base_url: stack.gatewayUrl,
    admin_token: GATEWAY_TOKEN,
  });
  await logIn(stack);
});

afterAll(async () => {
  await stack?.close();
  repo?.dispose();
});

describe('provider drafts in the console', () => {
  let draftId = '';

  it('starts a draft from a provider and shows a validation error at the field', async () => {
    const { page } = stack;
    await openPage(page, 'Drafts');
    await page.getByText('No draft yet').waitFor();
    await page.getByLabel('Provider to edit').selectOption({ label: 'cn / DeepSeek' });
    await page.getByRole('button', { name: 'Start draft' }).click();
    await page.getByRole('heading', { level: 1, name: /Draft: deepseek/ }).waitFor();
    draftId = new URL(page.url()).pathname.split('/').pop() ?? '';
    expect(draftId).toMatch(/^drf_/);

    const price = page.locator('#field-models-0-price-input');
    await price.fill('-1');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('alert').filter({ hasText: 'problem' }).waitFor();
    await expectInvalid(price);
    const message = await page.locator('#field-models-0-price-input-error').textContent();
    expect(message).not.toBe('');
    await stack.screenshot('draft-field-error');

    await price.fill('0.3');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Saved as revision 2.').waitFor();
    expect(await price.getAttribute('aria-invalid')).toBeNull();
  });

  it('handles a stale revision: someone else saved meanwhile, the operator keeps their edits', async () => {
    const { page } = stack;
    const theirs = await managerApi(stack, 'GET', `/api/provider-drafts/${draftId}`);
    await managerApi(stack, 'PUT', `/api/provider-drafts/${draftId}`, {
      manifest: { ...theirs.manifest, name: 'DeepSeek (their edit)' },
      revision: theirs.revision,
    });
    await page.getByLabel('Display name', { exact: true }).first().fill('DeepSeek (console edit)');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('alert').filter({ hasText: 'Someone saved this draft meanwhile' }).waitFor();
    await stack.screenshot('draft-stale-revision');
    await page.getByRole('button', { name: 'Keep my edits and save over theirs' }).click();
    await page.getByText('Saved as revision 4.').waitFor();
    const saved = await managerApi(stack, 'GET', `/api/provider-drafts/${draftId}`);
    expect(saved).toMatchObject({ revision: 4, manifest: { name: 'DeepSeek (console edit)' } });
  });

  it('publishes after a confirmation and shows the commit and the new pack version', async () => {
    const { page } = stack;
    await page.getByRole('button', { name: 'Publish…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Publish' }).click();
    const result = page.getByRole('status', { name: 'Publish result' });
    await result.waitFor();
    const head = repo.git('rev-parse', 'HEAD').trim();
    expect(await result.textContent()).toContain(head);
    expect(await result.textContent()).toContain('1.0.1');
    await page.getByRole('heading', { level: 1, name: /published/ }).waitFor();
    const pack = JSON.parse(readFileSync(join(repo.root, 'packs/cn/pack.json'), 'utf8'));
    expect(pack.version).toBe('1.0.1');
    const manifest = JSON.parse(readFileSync(join(repo.root, 'packs/cn/providers/deepseek.json'), 'utf8'));
    expect(manifest.name).toBe('DeepSeek (console edit)');
    expect(manifest.models[0].price.input).toBe(0.3);
    expect(repo.git('status', '--porcelain')).toBe('');
    await stack.screenshot('draft-published');
  });
});

describe('batch import in the console', () => {
  it('runs a batch with live progress, and shows the one refused key with its reason', async () => {
    const { page, upstream, admin } = stack;
    await openPage(page, 'Batch import');
    await page.getByRole('heading', { level: 1, name: 'Batch import' }).waitFor();
    await page.getByLabel('Provider').selectOption('deepseek');
    await page.getByLabel('Upstream base URL').fill(`${upstream.url}/v1`);
    await page
      .getByLabel('Upstream API keys')
      .fill(`name,api_key\ngood,${upstream.apiKey}\nrefused,sk-not-a-valid-key`);
    await page.getByText('2 keys read.').waitFor();
    expect(await page.getByLabel(/Verify each key upstream/).isChecked()).toBe(true);
    await stack.screenshot('batch-new');
    await page.getByRole('button', { name: 'Start batch run' }).click();

    const progress = page.getByRole('region', { name: 'Progress' });
    // Live: the page shows the run half done before it ends, without a reload.
    await progress.getByText('1 of 2 done (50%)').waitFor();
    await page.getByRole('button', { name: 'Cancel run' }).waitFor();
    await stack.screenshot('batch-running');
    await progress.getByText('2 of 2 done (100%)').waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { level: 1 }).getByText('partial').waitFor();
    const refused = page.getByRole('row').filter({ hasText: 'refused' });
    await refused.getByText('failed').waitFor();
    expect(await refused.textContent()).toMatch(/verify: the upstream rejected the credential/);
    const good = page.getByRole('row').filter({ hasText: 'good' });
    expect(await good.textContent()).toContain('succeeded');
    await page.getByText('1 item failed').waitFor();
    expect(await page.locator('body').textContent()).not.toContain(upstream.apiKey);
    expect(await admin.accounts.listAll({ label: 'relay.manager/provider=deepseek' })).toHaveLength(2);
    await stack.screenshot('batch-run');
  });
});

describe('cancelling a batch run', () => {
  it('stops starting items: the run ends cancelled and the items not started are skipped', async () => {
    const { page, upstream } = stack;
    await openPage(page, 'Batch import');
    await page.getByRole('heading', { level: 1, name: 'Batch import' }).waitFor();
    await page.getByLabel('Provider').selectOption('deepseek');
    await page.getByLabel('Upstream base URL').fill(`${upstream.url}/v1`);
    const keys = Array.from({ length: 6 }, (_, index) => `slow-${index},sk-cancel-test-${index}`);
    await page.getByLabel('Upstream API keys').fill(keys.join('\n'));
    await page.getByText('6 keys read.').waitFor();
    await page.getByRole('button', { name: 'Start batch run' }).click();
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('heading', { level: 1 }).getByText('cancelled').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel run' }).waitFor({ state: 'hidden' });
    const skipped = page.getByRole('row').filter({ hasText: 'the run was cancelled' });
    await skipped.first().waitFor();
    expect(await skipped.count()).toBeGreaterThanOrEqual(4);
    await stack.screenshot('batch-cancelled');
  });
});

async function expectInvalid(locator: import('playwright-core').Locator): Promise<void> {
  expect(await locator.getAttribute('aria-invalid')).toBe('true');
}
