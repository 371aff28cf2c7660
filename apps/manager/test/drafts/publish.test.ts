import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@relay/manifests';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublishStep } from '../../src/drafts/pack-publisher.ts';
import { PUBLISH_STEPS } from '../../src/drafts/pack-publisher.ts';
import type { PackRepo } from '../support/pack-repo.ts';
import { createPackRepo, draftManifest } from '../support/pack-repo.ts';
import type { TestManager } from '../support/test-services.ts';
import { bearer, testManager } from '../support/test-services.ts';

/**
 * Publish of a provider draft into a real git repository (a copy of the built-in packs), with a failure
 * injected after each step: the repository must come back byte for byte, HEAD and index included.
 */

let repo: PackRepo | undefined;
let manager: TestManager | undefined;
let failAt: PublishStep | undefined;

afterEach(async () => {
  await manager?.close();
  repo?.dispose();
  manager = undefined;
  repo = undefined;
  failAt = undefined;
});

async function setUp(env: Record<string, string> = {}) {
  repo = createPackRepo();
  manager = await testManager({
    env: { MANAGER_REPO_ROOT: repo.root, MANAGER_GIT_AUTHOR: 'Pack Bot <packs@example.com>', ...env },
    overrides: {
      afterPublishStep: (step) => {
        if (step === failAt) throw new Error(`injected failure after ${step}`);
      },
    },
  });
  return { repo, manager };
}

async function call(method: string, path: string, body?: unknown) {
  if (manager === undefined) throw new Error('no manager');
  const res = await manager.app.request(path, {
    method,
    headers: { ...bearer, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function createDraft(root: string) {
  const created = await call('POST', '/api/provider-drafts', {
    pack_id: 'cn',
    provider_id: 'deepseek',
    manifest: draftManifest(root),
  });
  expect(created.status).toBe(201);
  return created.body.draft_id as string;
}

describe('publish', () => {
  it('commits the provider, the bumped version and the checksums on HEAD, authored as configured', async () => {
    const { repo } = await setUp();
    const before = repo.git('rev-parse', 'HEAD').trim();
    const draftId = await createDraft(repo.root);
    const published = await call('POST', `/api/provider-drafts/${draftId}/publish`);
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({
      draft_id: draftId,
      pack_id: 'cn',
      provider_id: 'deepseek',
      pack_version: '1.0.1',
    });
    expect(repo.git('rev-parse', 'HEAD').trim()).toBe(published.body.commit);
    expect(repo.git('rev-parse', 'HEAD~1').trim()).toBe(before);
    expect(repo.git('log', '-1', '--format=%an <%ae>|%s').trim()).toBe(
      'Pack Bot <packs@example.com>|packs/cn: publish provider deepseek (pack version 1.0.1)',
    );
    expect(repo.git('show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).toEqual([
      'packs/cn/checksums.txt',
      'packs/cn/pack.json',
      'packs/cn/providers/deepseek.json',
    ]);
    expect(repo.git('status', '--porcelain').trim()).toBe('');
    const errors: string[] = [];
    expect(
      await runCli(['validate', repo.root], { stdout: () => undefined, stderr: (l) => errors.push(l) }),
    ).toBe(0);
    expect(errors).toEqual([]);
    expect(JSON.parse(readFileSync(join(repo.root, 'packs/cn/pack.json'), 'utf8')).version).toBe('1.0.1');

    const draft = await call('GET', `/api/provider-drafts/${draftId}`);
    expect(draft.body).toMatchObject({
      status: 'published',
      published_version: '1.0.1',
      published_commit: published.body.commit,
    });
    // The catalogue was reloaded: the new model is importable.
    const provider = await call('GET', '/api/providers/deepseek');
    expect(JSON.stringify(provider.body)).toContain('deepseek-v4');
    // A published draft is not published twice without a change.
    expect((await call('POST', `/api/provider-drafts/${draftId}/publish`)).body.error.code).toBe('CONFLICT');
  });

  it.each(PUBLISH_STEPS)('a failure after %s leaves the repository byte for byte as it was', async (step) => {
    const { repo } = await setUp();
    const draftId = await createDraft(repo.root);
    const before = repo.snapshot();
    failAt = step;
    const res = await call('POST', `/api/provider-drafts/${draftId}/publish`);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('PUBLISH_FAILED');
    expect(res.body.error.message).toContain(`injected failure after ${step}`);
    expect(repo.snapshot()).toBe(before);
    expect((await call('GET', `/api/provider-drafts/${draftId}`)).body.status).toBe('draft');
    // And the next attempt goes through.
    failAt = undefined;
    expect((await call('POST', `/api/provider-drafts/${draftId}/publish`)).status).toBe(200);
  });

  it('a commit hook that refuses leaves the repository as it was', async () => {
    const { repo } = await setUp();
    writeFileSync(
      join(repo.root, '.git/hooks/pre-commit'),
      '#!/bin/sh\necho "policy says no" >&2\nexit 1\n',
      {
        mode: 0o755,
      },
    );
    const draftId = await createDraft(repo.root);
    const before = repo.snapshot();
    const res = await call('POST', `/api/provider-drafts/${draftId}/publish`);
    expect(res.body.error.code).toBe('PUBLISH_FAILED');
    expect(res.body.error.message).toContain('policy says no');
    expect(repo.snapshot()).toBe(before);
  });

  it('refuses a dirty working tree, a detached HEAD and a directory that is not a git repository', async () => {
    const { repo } = await setUp();
    const draftId = await createDraft(repo.root);
    writeFileSync(join(repo.root, 'notes.txt'), 'scratch\n');
    const dirty = await call('POST', `/api/provider-drafts/${draftId}/publish`);
    expect(dirty.status).toBe(409);
    expect(dirty.body.error).toMatchObject({ code: 'REPO_DIRTY', details: { paths: ['notes.txt'] } });
    repo.git('clean', '-fq');
    repo.git('checkout', '--quiet', '--detach');
    expect((await call('POST', `/api/provider-drafts/${draftId}/publish`)).body.error.code).toBe(
      'REPO_DIVERGED',
    );
    repo.git('checkout', '--quiet', 'main');
    const { rmSync } = await import('node:fs');
    rmSync(join(repo.root, '.git'), { recursive: true, force: true });
    const notGit = await call('POST', `/api/provider-drafts/${draftId}/publish`);
    expect(notGit.status).toBe(409);
    expect(notGit.body.error.code).toBe('REPO_NOT_GIT');
  });
});

describe('drafts', () => {
  it('validates on save with field errors and refuses a stale revision', async () => {
    const { repo } = await setUp();
    const manifest = draftManifest(repo.root);
    const invalid = await call('POST', '/api/provider-drafts', {
      pack_id: 'nope',
      provider_id: 'deepseek',
      manifest: {
        ...manifest,
        base_url: 'not a url',
        models: [{ id: 'x', price: { input: -1, output: 1 } }],
      },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.code).toBe('MANIFEST_INVALID');
    const fields = invalid.body.error.details.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['pack_id', 'manifest.base_url', 'manifest.models.0.price.input']),
    );

    const wrongPack = await call('POST', '/api/provider-drafts', {
      pack_id: 'global',
      provider_id: 'deepseek',
      manifest,
    });
    expect(wrongPack.body.error.details.errors[0]).toMatchObject({
      field: 'provider_id',
      code: 'DUPLICATE_PROVIDER_ID',
    });

    const draftId = await createDraft(repo.root);
    const saved = await call('PUT', `/api/provider-drafts/${draftId}`, {
      manifest: { ...manifest, name: 'DeepSeek 2' },
      revision: 1,
    });
    expect(saved.status).toBe(200);
    expect(saved.body.revision).toBe(2);
    const stale = await call('PUT', `/api/provider-drafts/${draftId}`, { manifest, revision: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({
      code: 'DRAFT_REVISION_CONFLICT',
      details: { current_revision: 2 },
    });
    const badSave = await call('PUT', `/api/provider-drafts/${draftId}`, {
      manifest: { ...manifest, id: 'other' },
      revision: 2,
    });
    expect(badSave.status).toBe(422);
    expect(badSave.body.error.details.errors[0]).toMatchObject({
      field: 'manifest.id',
      code: 'PROVIDER_ID_MISMATCH',
    });

    const list = await call('GET', '/api/provider-drafts?pack_id=cn');
    expect(list.body.items.map((d: { draft_id: string }) => d.draft_id)).toContain(draftId);
    expect((await call('DELETE', `/api/provider-drafts/${draftId}`)).status).toBe(204);
    expect((await call('GET', `/api/provider-drafts/${draftId}`)).status).toBe(404);
  });
});
