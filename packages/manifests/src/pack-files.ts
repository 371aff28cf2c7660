import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProviderManifest } from './provider-manifest-schema.ts';
import { bumpPatch } from './semver.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

export const PACK_MANIFEST_FILE = 'pack.json';
export const PROVIDERS_DIR = 'providers';

// Matches the repository's formatter (Biome, width 110) so a published file needs no reformatting:
// objects always expanded, an array of scalars on one line when it fits.
const LINE_WIDTH = 110;

function renderJson(value: unknown, indent: string, column: number): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((item) => item === null || typeof item !== 'object')) {
      const inline = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
      // +1 for a trailing comma.
      if (column + inline.length + 1 <= LINE_WIDTH) return inline;
    }
    const items = value.map((item) => `${inner}${renderJson(item, inner, inner.length)}`);
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, field]) => field !== undefined);
    if (entries.length === 0) return '{}';
    const fields = entries.map(([key, field]) => {
      const lead = `${inner}${JSON.stringify(key)}: `;
      return `${lead}${renderJson(field, inner, lead.length)}`;
    });
    return `{\n${fields.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** The canonical text of a manifest file: two-space JSON with a trailing newline. */
export function formatManifestJson(value: unknown): string {
  return `${renderJson(value, '', 0)}\n`;
}

/** Writes `providers/<id>.json` in the pack atomically; returns the path written. */
export async function writeProviderManifest(packDir: string, manifest: ProviderManifest): Promise<string> {
  const file = path.join(packDir, PROVIDERS_DIR, `${manifest.id}.json`);
  await writeFileAtomic(file, formatManifestJson(manifest));
  return file;
}

/**
 * Bumps the patch version in the pack's pack.json (atomically, keeping every other field as it is).
 * Throws when pack.json is unreadable or its version is not semver.
 */
export async function bumpPackVersion(packDir: string): Promise<{ from: string; to: string }> {
  const file = path.join(packDir, PACK_MANIFEST_FILE);
  const manifest: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new Error(`${file}: must be a JSON object`);
  }
  const from = (manifest as Record<string, unknown>).version;
  if (typeof from !== 'string') throw new Error(`${file}: version: must be a string`);
  const to = bumpPatch(from);
  await writeFileAtomic(file, formatManifestJson({ ...manifest, version: to }));
  return { from, to };
}
