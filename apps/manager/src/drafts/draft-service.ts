import type { ProviderManifest } from '@relay/manifests';
import { ID_PATTERN, validateProviderManifest } from '@relay/manifests';
import type { Clock } from '../clock.ts';
import { ManagerError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { PackCatalog } from '../packs/pack-catalog.ts';
import type { Page } from '../store/page.ts';
import { page } from '../store/page.ts';
import type { ProviderDraftFilter, ProviderDraftRow } from '../store/provider-drafts-repo.ts';
import type { Store } from '../store/store.ts';
import type { PackPublisher } from './pack-publisher.ts';

export type DraftFieldError = { field: string | null; code: string; message: string };

export type DraftView = {
  draft_id: string;
  pack_id: string;
  provider_id: string;
  manifest: unknown;
  revision: number;
  status: 'draft' | 'published';
  published_version: string | null;
  published_commit: string | null;
  created_at: string;
  updated_at: string;
};

export type PublishView = {
  draft_id: string;
  pack_id: string;
  provider_id: string;
  pack_version: string;
  commit: string;
};

const iso = (ms: number) => new Date(ms).toISOString();

export function draftView(row: ProviderDraftRow): DraftView {
  return {
    draft_id: row.id,
    pack_id: row.packId,
    provider_id: row.providerId,
    manifest: row.manifest,
    revision: row.revision,
    status: row.status,
    published_version: row.publishedVersion,
    published_commit: row.publishedCommit,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export type DraftServiceDeps = {
  store: Store;
  packs: PackCatalog;
  publisher: PackPublisher;
  clock: Clock;
  logger: Logger;
};

/**
 * Provider drafts (manager.md §7): manifests edited in the manager, validated on every save with field
 * errors, guarded by a revision, and published into the pack repository as one git commit.
 */
export class DraftService {
  constructor(private readonly deps: DraftServiceDeps) {}

  create(input: { packId: string; providerId: string; manifest: unknown }): DraftView {
    const errors = this.#check(input.packId, input.providerId, input.manifest);
    if (errors.length > 0) throw invalid(errors);
    const now = this.deps.clock();
    const id = newId('drf', now);
    this.deps.store.drafts.insert({
      id,
      packId: input.packId,
      providerId: input.providerId,
      manifest: input.manifest,
      revision: 1,
      status: 'draft',
      createdAt: now,
      updatedAt: now,
    });
    return draftView(this.#row(id));
  }

  get(id: string): DraftView {
    return draftView(this.#row(id));
  }

  list(filter: ProviderDraftFilter, limit: number, cursor?: string): Page<DraftView> {
    return page(this.deps.store.drafts.list(filter, limit + 1, cursor), limit, draftView);
  }

  update(id: string, input: { manifest: unknown; revision: number }): DraftView {
    const row = this.#row(id);
    if (row.revision !== input.revision) throw stale(row.revision, input.revision);
    const errors = this.#check(row.packId, row.providerId, input.manifest);
    if (errors.length > 0) throw invalid(errors);
    if (!this.deps.store.drafts.saveManifest(id, input.revision, input.manifest, this.deps.clock())) {
      throw stale(this.#row(id).revision, input.revision);
    }
    return draftView(this.#row(id));
  }

  delete(id: string): void {
    if (!this.deps.store.drafts.delete(id)) throw notFound(id);
  }

  async publish(id: string): Promise<PublishView> {
    const row = this.#row(id);
    if (row.status === 'published') {
      throw new ManagerError(
        'CONFLICT',
        `draft ${id} is already published (revision ${row.revision}); save a change first`,
      );
    }
    const validation = validateProviderManifest(row.manifest, { expectedId: row.providerId });
    if (!validation.ok) throw invalid(validation.errors);
    const result = await this.deps.publisher.publish({
      packId: row.packId,
      manifest: validation.manifest as ProviderManifest,
      markPublished: (version, commit) => {
        if (!this.deps.store.drafts.markPublished(id, row.revision, version, commit, this.deps.clock())) {
          throw new ManagerError(
            'DRAFT_REVISION_CONFLICT',
            `draft ${id} changed while it was being published`,
          );
        }
      },
      unmarkPublished: () => this.deps.store.drafts.unmarkPublished(id, row),
    });
    await this.deps.packs.reload();
    this.deps.logger.info(
      { draft_id: id, pack_id: row.packId, provider_id: row.providerId, ...result },
      'provider draft published',
    );
    return {
      draft_id: id,
      pack_id: row.packId,
      provider_id: row.providerId,
      pack_version: result.packVersion,
      commit: result.commit,
    };
  }

  #row(id: string): ProviderDraftRow {
    const row = this.deps.store.drafts.get(id);
    if (row === undefined) throw notFound(id);
    return row;
  }

  /** Field errors of a draft: the manifest itself, the pack it goes to, and id uniqueness across packs. */
  #check(packId: string, providerId: string, manifest: unknown): DraftFieldError[] {
    const errors: DraftFieldError[] = [];
    if (!ID_PATTERN.test(packId)) {
      errors.push({ field: 'pack_id', code: 'SCHEMA_INVALID', message: 'pack_id: is not a pack id' });
    } else if (this.deps.packs.pack(packId) === undefined) {
      errors.push({
        field: 'pack_id',
        code: 'UNKNOWN_PACK',
        message: `pack_id: no pack "${packId}" in the repository`,
      });
    }
    if (!ID_PATTERN.test(providerId)) {
      errors.push({
        field: 'provider_id',
        code: 'SCHEMA_INVALID',
        message: 'provider_id: is not a provider id',
      });
    } else {
      const existing = this.deps.packs.provider(providerId);
      if (existing !== undefined && existing.pack.id !== packId) {
        errors.push({
          field: 'provider_id',
          code: 'DUPLICATE_PROVIDER_ID',
          message: `provider_id: "${providerId}" already belongs to pack "${existing.pack.id}"`,
        });
      }
    }
    const validation = validateProviderManifest(manifest, { expectedId: providerId });
    for (const error of validation.errors) {
      errors.push({
        field: error.field === null ? 'manifest' : `manifest.${error.field}`,
        code: error.code,
        message: `manifest.${error.message}`,
      });
    }
    return errors;
  }
}

function invalid(errors: readonly DraftFieldError[]): ManagerError {
  return new ManagerError('MANIFEST_INVALID', errors[0]?.message ?? 'the manifest is invalid', {
    errors: errors.map((e) => ({ field: e.field, code: e.code, message: e.message })),
  });
}

function stale(current: number, given: number): ManagerError {
  return new ManagerError(
    'DRAFT_REVISION_CONFLICT',
    `revision ${given} is stale: the draft is at revision ${current}; reload it and apply your change again`,
    { current_revision: current },
  );
}

function notFound(id: string): ManagerError {
  return new ManagerError('NOT_FOUND', `no provider draft ${id}`);
}
