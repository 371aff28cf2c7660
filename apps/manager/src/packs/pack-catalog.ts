import type { LoadedPack, LoadedProvider, PackError, PackRepository } from '@relay/manifests';
import { loadPackRepository } from '@relay/manifests';
import type { Clock } from '../clock.ts';

export type PackCatalogState =
  | { state: 'not_configured' }
  | { state: 'loaded'; repository: PackRepository; loadedAt: number }
  | { state: 'failed'; error: string; loadedAt: number };

/**
 * The pack repository at MANAGER_REPO_ROOT, loaded and validated with packages/manifests at start and on
 * reload (docs/architecture.md#provider-packs). Keeps the last load in memory; an invalid pack stays listed with its errors.
 */
export class PackCatalog {
  #current: PackCatalogState;

  constructor(
    readonly repoRoot: string | undefined,
    private readonly clock: Clock,
  ) {
    this.#current = { state: 'not_configured' };
  }

  get current(): PackCatalogState {
    return this.#current;
  }

  async reload(): Promise<PackCatalogState> {
    if (this.repoRoot === undefined) return this.#current;
    try {
      const repository = await loadPackRepository(this.repoRoot);
      this.#current = { state: 'loaded', repository, loadedAt: this.clock() };
    } catch (error) {
      this.#current = {
        state: 'failed',
        error: error instanceof Error ? error.message : String(error),
        loadedAt: this.clock(),
      };
    }
    return this.#current;
  }

  packs(): LoadedPack[] {
    return this.#current.state === 'loaded' ? this.#current.repository.packs : [];
  }

  repositoryErrors(): PackError[] {
    return this.#current.state === 'loaded' ? this.#current.repository.errors : [];
  }

  pack(id: string): LoadedPack | undefined {
    return this.packs().find((pack) => pack.id === id);
  }

  /** A provider by id with its pack (provider ids are unique across a valid repository). */
  provider(id: string): { pack: LoadedPack; provider: LoadedProvider } | undefined {
    for (const pack of this.packs()) {
      const provider = pack.providers.find((p) => p.id === id);
      if (provider !== undefined) return { pack, provider };
    }
    return undefined;
  }

  /** Providers of valid packs: what can be imported, and the `active_providers` metric. */
  activeProviderCount(): number {
    return this.packs()
      .filter((pack) => pack.valid)
      .reduce((sum, pack) => sum + pack.providers.filter((p) => p.valid).length, 0);
  }
}
