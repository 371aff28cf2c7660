import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * A fresh deployment mounts an empty volume as its pack repository. When `<repoRoot>/packs` is missing
 * or empty, the packs built into the image (`<builtInRoot>/packs`) are copied there, so the manager
 * starts with something to import; an operator's own packs are never touched, and a repository root
 * that does not exist is left missing (a mistyped path must show in /readyz). Returns the pack
 * directories copied (empty when the repository already had packs).
 */
export async function seedPackRepository(repoRoot: string, builtInRoot: string): Promise<string[]> {
  if (resolve(repoRoot) === resolve(builtInRoot)) return [];
  const root = await stat(repoRoot).catch(() => undefined);
  if (root === undefined || !root.isDirectory()) return [];
  const target = join(repoRoot, 'packs');
  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (existing.some((name) => !name.startsWith('.'))) return [];
  const source = join(builtInRoot, 'packs');
  const builtIn = (await readdir(source, { withFileTypes: true })).filter((entry) => entry.isDirectory());
  await mkdir(target, { recursive: true });
  for (const entry of builtIn) {
    await cp(join(source, entry.name), join(target, entry.name), { recursive: true, errorOnExist: true });
  }
  return builtIn.map((entry) => entry.name).sort();
}
