import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatManifestJson } from '../src/pack-files.ts';

/** The monorepo's built-in packs directory. */
export const BUILTIN_PACKS = fileURLToPath(new URL('../../../packs', import.meta.url));

/** A fresh copy of the built-in packs as `<temp>/packs`; returns the temp root and a cleanup. */
export async function copyBuiltinPacks(): Promise<{
  root: string;
  packs: string;
  cleanup: () => Promise<void>;
}> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'relay-packs-'));
  const packs = path.join(root, 'packs');
  await cp(BUILTIN_PACKS, packs, { recursive: true });
  return { root, packs, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export async function readJsonFile(file: string): Promise<any> {
  return JSON.parse(await readFile(file, 'utf8'));
}

/** Rewrites a JSON file after `edit` mutates its parsed content. */
export async function editJsonFile(file: string, edit: (value: any) => void): Promise<void> {
  const value = await readJsonFile(file);
  edit(value);
  await writeFile(file, formatManifestJson(value));
}
