import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './write-file-atomic.ts';

/** The checksum list of a pack, at the pack's root. It does not list itself. */
export const CHECKSUMS_FILE = 'checksums.txt';

export interface ChecksumEntry {
  /** Relative to the pack directory, `/`-separated. */
  path: string;
  sha256: string;
}

export type ChecksumProblemCode =
  | 'CHECKSUMS_MISSING'
  | 'CHECKSUMS_MALFORMED'
  | 'CHECKSUM_MISMATCH'
  | 'CHECKSUM_UNLISTED'
  | 'CHECKSUM_FILE_MISSING';

export interface ChecksumProblem {
  code: ChecksumProblemCode;
  /** The pack-relative path the problem is about; null when it is about checksums.txt as a whole. */
  path: string | null;
  message: string;
}

const LINE_PATTERN = /^([0-9a-f]{64}) {2}(\S(?:.*\S)?)$/;

// Plain code-unit order, so the file is byte-identical whatever the locale.
const byPath = (a: ChecksumEntry, b: ChecksumEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

async function listPackFiles(packDir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(packDir, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await listPackFiles(packDir, relative)));
    else if (entry.isFile() && relative !== CHECKSUMS_FILE) files.push(relative);
  }
  return files;
}

/** The sha256 of every regular file of the pack except checksums.txt, sorted by path. */
export async function computeChecksums(packDir: string): Promise<ChecksumEntry[]> {
  const files = await listPackFiles(packDir);
  const entries = await Promise.all(
    files.map(async (file) => ({
      path: file,
      sha256: createHash('sha256')
        .update(await readFile(path.join(packDir, file)))
        .digest('hex'),
    })),
  );
  return entries.sort(byPath);
}

/** `<sha256>  <path>` per line, sorted by path, with a trailing newline. */
export function formatChecksums(entries: readonly ChecksumEntry[]): string {
  return [...entries]
    .sort(byPath)
    .map((entry) => `${entry.sha256}  ${entry.path}\n`)
    .join('');
}

export function parseChecksums(text: string): { entries: ChecksumEntry[]; problems: ChecksumProblem[] } {
  const entries: ChecksumEntry[] = [];
  const problems: ChecksumProblem[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, index) => {
    const match = LINE_PATTERN.exec(line);
    if (!match?.[1] || !match[2]) {
      problems.push({
        code: 'CHECKSUMS_MALFORMED',
        path: null,
        message: `line ${index + 1} is not "<sha256>  <path>": ${JSON.stringify(line)}`,
      });
      return;
    }
    entries.push({ sha256: match[1], path: match[2] });
  });
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.path)) {
      problems.push({ code: 'CHECKSUMS_MALFORMED', path: entry.path, message: 'is listed more than once' });
    }
    seen.add(entry.path);
  }
  const unsorted = entries.findIndex(
    (entry, index) => index > 0 && byPath(entries[index - 1] ?? entry, entry) > 0,
  );
  if (unsorted > 0) {
    problems.push({
      code: 'CHECKSUMS_MALFORMED',
      path: null,
      message: `line ${unsorted + 1} is out of path order`,
    });
  }
  return { entries, problems };
}

/** Rewrites the pack's checksums.txt (atomically) and returns what it lists. */
export async function writeChecksums(packDir: string): Promise<ChecksumEntry[]> {
  const entries = await computeChecksums(packDir);
  await writeFileAtomic(path.join(packDir, CHECKSUMS_FILE), formatChecksums(entries));
  return entries;
}

const short = (digest: string) => `${digest.slice(0, 12)}…`;

/**
 * Compares checksums.txt with the pack's files: every file listed, with the right digest,
 * and nothing listed that is not there. An empty array means the pack is intact.
 */
export async function verifyChecksums(packDir: string): Promise<ChecksumProblem[]> {
  let text: string;
  try {
    text = await readFile(path.join(packDir, CHECKSUMS_FILE), 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const why = missing ? 'is missing' : `cannot be read (${(error as Error).message})`;
    return [
      {
        code: 'CHECKSUMS_MISSING',
        path: null,
        message: `${why}; write it with \`relay-packs checksums <packDir>\``,
      },
    ];
  }
  const { entries: listed, problems } = parseChecksums(text);
  const actual = new Map((await computeChecksums(packDir)).map((entry) => [entry.path, entry.sha256]));
  const listedPaths = new Set<string>();
  for (const entry of listed) {
    listedPaths.add(entry.path);
    const digest = actual.get(entry.path);
    if (digest === undefined) {
      problems.push({
        code: 'CHECKSUM_FILE_MISSING',
        path: entry.path,
        message: 'is listed but the file does not exist',
      });
    } else if (digest !== entry.sha256) {
      problems.push({
        code: 'CHECKSUM_MISMATCH',
        path: entry.path,
        message: `sha256 is ${short(digest)} but checksums.txt lists ${short(entry.sha256)} (the file changed after checksums were written)`,
      });
    }
  }
  for (const file of actual.keys()) {
    if (!listedPaths.has(file)) {
      problems.push({
        code: 'CHECKSUM_UNLISTED',
        path: file,
        message: 'exists but is not listed in checksums.txt',
      });
    }
  }
  return problems;
}
