import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CHECKSUMS_FILE, verifyChecksums } from './checksums.ts';
import { ID_PATTERN } from './ids.ts';
import type { PackError } from './pack-error.ts';
import { fromZodIssues, inFile, packError } from './pack-error.ts';
import { PACK_MANIFEST_FILE, PROVIDERS_DIR } from './pack-files.ts';
import type { PackManifest } from './pack-manifest-schema.ts';
import { packManifestSchema } from './pack-manifest-schema.ts';
import type { ProviderManifest } from './provider-manifest-schema.ts';
import { validateProviderManifest } from './validate-provider-manifest.ts';

export interface LoadedProvider {
  /** From the file name (`providers/<id>.json`), which the manifest's id must equal. */
  id: string;
  /** Relative to the repository root. */
  file: string;
  /** Present when the file is a valid manifest. */
  manifest?: ProviderManifest;
  valid: boolean;
  /** Errors about this provider's file (including a duplicate id elsewhere in the repository). */
  errors: PackError[];
}

export interface LoadedPack {
  /** The directory name, which pack.json's id must equal. */
  id: string;
  /** Absolute path of the pack directory. */
  dir: string;
  manifest?: PackManifest;
  providers: LoadedProvider[];
  /** An invalid pack is still listed, with its errors, but must not be imported. */
  valid: boolean;
  /** Every error about this pack: its files, its providers, its checksums. */
  errors: PackError[];
}

export interface PackRepository {
  /** Absolute path of the repository root; error files are relative to it. */
  root: string;
  /** Absolute path of the `packs/` directory. */
  packsDir: string;
  packs: LoadedPack[];
  /** Errors across packs (duplicate provider ids) or about the repository itself. */
  errors: PackError[];
  valid: boolean;
}

type JsonRead = { ok: true; value: unknown } | { ok: false; error: PackError };

async function readJson(absolute: string, file: string): Promise<JsonRead> {
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    return { ok: false, error: packError(file, null, 'FILE_UNREADABLE', (error as Error).message) };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      error: packError(file, null, 'INVALID_JSON', `is not valid JSON (${(error as Error).message})`),
    };
  }
}

async function isDirectory(absolute: string): Promise<boolean> {
  try {
    return (await stat(absolute)).isDirectory();
  } catch {
    return false;
  }
}

async function loadProvider(absolute: string, file: string, id: string): Promise<LoadedProvider> {
  const read = await readJson(absolute, file);
  if (!read.ok) return { id, file, valid: false, errors: [read.error] };
  const result = validateProviderManifest(read.value, { expectedId: id });
  if (!result.ok) {
    const errors = result.errors.map((error) => inFile(file, error));
    return { id, file, valid: false, errors };
  }
  return { id, file, manifest: result.manifest, valid: true, errors: [] };
}

async function loadPack(root: string, dir: string, id: string): Promise<LoadedPack> {
  const relative = (...parts: string[]) =>
    path
      .relative(root, path.join(dir, ...parts))
      .split(path.sep)
      .join('/');
  const errors: PackError[] = [];
  if (!ID_PATTERN.test(id)) {
    errors.push(
      packError(relative(), null, 'UNEXPECTED_FILE', 'pack directory name must be a lowercase slug id'),
    );
  }

  let manifest: PackManifest | undefined;
  const manifestFile = relative(PACK_MANIFEST_FILE);
  const read = await readJson(path.join(dir, PACK_MANIFEST_FILE), manifestFile);
  if (!read.ok && read.error.code === 'FILE_UNREADABLE') {
    errors.push(packError(manifestFile, null, 'PACK_JSON_MISSING', 'is missing or unreadable'));
  } else if (!read.ok) {
    errors.push(read.error);
  } else {
    const parsed = packManifestSchema.safeParse(read.value);
    if (parsed.success) manifest = parsed.data;
    else errors.push(...fromZodIssues(parsed.error.issues).map((error) => inFile(manifestFile, error)));
    const declaredId = (read.value as { id?: unknown } | null)?.id;
    if (typeof declaredId === 'string' && declaredId !== id) {
      errors.push(
        packError(manifestFile, 'id', 'PACK_ID_MISMATCH', `is "${declaredId}" but the directory is "${id}"`),
      );
    }
  }

  const providers: LoadedProvider[] = [];
  const providersDir = path.join(dir, PROVIDERS_DIR);
  if (await isDirectory(providersDir)) {
    const entries = await readdir(providersDir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = relative(PROVIDERS_DIR, entry.name);
      if (!entry.isFile() || !entry.name.endsWith('.json')) {
        errors.push(
          packError(file, null, 'UNEXPECTED_FILE', 'only <provider_id>.json files belong in providers/'),
        );
        continue;
      }
      const providerId = entry.name.slice(0, -'.json'.length);
      if (!ID_PATTERN.test(providerId)) {
        errors.push(
          packError(
            file,
            null,
            'UNEXPECTED_FILE',
            'file name must be <provider_id>.json with a lowercase slug id',
          ),
        );
      }
      const provider = await loadProvider(path.join(providersDir, entry.name), file, providerId);
      providers.push(provider);
      errors.push(...provider.errors);
    }
  }

  const checksumsFile = relative(CHECKSUMS_FILE);
  for (const problem of await verifyChecksums(dir)) {
    errors.push(packError(checksumsFile, problem.path, problem.code, problem.message));
  }

  return { id, dir, ...(manifest ? { manifest } : {}), providers, valid: errors.length === 0, errors };
}

/** Adds an error on each file declaring a provider id that another pack also declares. */
function flagDuplicateProviderIds(packs: LoadedPack[]): PackError[] {
  const byId = new Map<string, { pack: LoadedPack; provider: LoadedProvider }[]>();
  for (const pack of packs) {
    for (const provider of pack.providers) {
      byId.set(provider.id, [...(byId.get(provider.id) ?? []), { pack, provider }]);
    }
  }
  const errors: PackError[] = [];
  for (const [id, declarations] of byId) {
    if (declarations.length < 2) continue;
    for (const { pack, provider } of declarations) {
      const others = declarations
        .filter((other) => other.provider !== provider)
        .map((other) => other.provider.file);
      const error = packError(
        provider.file,
        'id',
        'DUPLICATE_PROVIDER_ID',
        `provider id "${id}" is also declared by ${others.join(', ')}; provider ids must be unique across the repository`,
      );
      provider.errors.push(error);
      provider.valid = false;
      pack.errors.push(error);
      pack.valid = false;
      errors.push(error);
    }
  }
  return errors;
}

/**
 * Loads and validates every pack of a pack repository. `rootDir` is either the repository root
 * (holding `packs/`) or the `packs/` directory itself; either way error files read `packs/<pack>/…`
 * when the directory is named `packs`. Never throws on invalid content: problems are reported as
 * errors and an invalid pack is listed with them.
 */
export async function loadPackRepository(rootDir: string): Promise<PackRepository> {
  const resolved = path.resolve(rootDir);
  const nested = path.join(resolved, 'packs');
  const packsDir = (await isDirectory(nested)) ? nested : resolved;
  const root = path.dirname(packsDir);

  if (!(await isDirectory(packsDir))) {
    const error = packError(
      path.basename(packsDir),
      null,
      'PACKS_DIR_MISSING',
      `${packsDir} is not a directory of packs`,
    );
    return { root, packsDir, packs: [], errors: [error], valid: false };
  }

  const entries = await readdir(packsDir, { withFileTypes: true });
  const packIds = entries
    // Loose files (a README) and hidden directories (.git) are not packs.
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  const packs = await Promise.all(packIds.map((id) => loadPack(root, path.join(packsDir, id), id)));
  const errors = flagDuplicateProviderIds(packs);
  return { root, packsDir, packs, errors, valid: errors.length === 0 && packs.every((pack) => pack.valid) };
}

/** Every error of the repository once, in pack order then repository-level ones. */
export function listRepositoryErrors(repository: PackRepository): PackError[] {
  const seen = new Set<PackError>();
  const all: PackError[] = [];
  for (const error of [...repository.packs.flatMap((pack) => pack.errors), ...repository.errors]) {
    if (seen.has(error)) continue;
    seen.add(error);
    all.push(error);
  }
  return all;
}
