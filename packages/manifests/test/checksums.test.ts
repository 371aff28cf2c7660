import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  computeChecksums,
  formatChecksums,
  parseChecksums,
  verifyChecksums,
  writeChecksums,
} from '../src/checksums.ts';

const sha = (c: string) => c.repeat(64);

describe('checksums', () => {
  let packDir: string;
  beforeEach(async () => {
    packDir = await mkdtemp(path.join(os.tmpdir(), 'relay-checksums-'));
    await mkdir(path.join(packDir, 'providers'));
    await writeFile(path.join(packDir, 'pack.json'), '{"id":"demo"}\n');
    await writeFile(path.join(packDir, 'providers', 'b.json'), '{}\n');
    await writeFile(path.join(packDir, 'providers', 'a.json'), '{"id":"a"}\n');
    await writeFile(path.join(packDir, 'README.md'), 'hello\n');
  });
  afterEach(() => rm(packDir, { recursive: true, force: true }));

  it('round-trips: written checksums verify clean and list pack.json, not themselves', async () => {
    const written = await writeChecksums(packDir);
    const text = await readFile(path.join(packDir, 'checksums.txt'), 'utf8');

    expect(text).toBe(
      [
        // sha256 of "hello\n", computed independently with sha256sum.
        '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  README.md',
        `${written.find((e) => e.path === 'pack.json')?.sha256}  pack.json`,
        `${written.find((e) => e.path === 'providers/a.json')?.sha256}  providers/a.json`,
        `${written.find((e) => e.path === 'providers/b.json')?.sha256}  providers/b.json`,
        '',
      ].join('\n'),
    );
    expect(await verifyChecksums(packDir)).toEqual([]);
    expect(parseChecksums(text)).toEqual({ entries: written, problems: [] });
    expect(await computeChecksums(packDir)).toEqual(written);
  });

  it('is stable: rewriting without changes yields the same bytes', async () => {
    await writeChecksums(path.join(packDir));
    const first = await readFile(path.join(packDir, 'checksums.txt'), 'utf8');
    await writeChecksums(packDir);
    expect(await readFile(path.join(packDir, 'checksums.txt'), 'utf8')).toBe(first);
  });

  it('reports every kind of drift with the path it concerns', async () => {
    await writeChecksums(packDir);
    await writeFile(path.join(packDir, 'providers', 'a.json'), '{"id":"changed"}\n');
    await rm(path.join(packDir, 'README.md'));
    await writeFile(path.join(packDir, 'providers', 'c.json'), '{}\n');

    const problems = await verifyChecksums(packDir);
    expect(problems.map(({ code, path }) => ({ code, path }))).toEqual([
      { code: 'CHECKSUM_FILE_MISSING', path: 'README.md' },
      { code: 'CHECKSUM_MISMATCH', path: 'providers/a.json' },
      { code: 'CHECKSUM_UNLISTED', path: 'providers/c.json' },
    ]);
  });

  it('reports a missing checksums.txt', async () => {
    expect(await verifyChecksums(packDir)).toEqual([
      { code: 'CHECKSUMS_MISSING', path: null, message: expect.stringContaining('relay-packs checksums') },
    ]);
  });

  it('formats sorted lines with two spaces and a trailing newline', () => {
    expect(
      formatChecksums([
        { path: 'providers/z.json', sha256: sha('b') },
        { path: 'pack.json', sha256: sha('a') },
      ]),
    ).toBe(`${sha('a')}  pack.json\n${sha('b')}  providers/z.json\n`);
  });

  it.each([
    ['a malformed line', `${sha('a')} pack.json\n`, 'line 1 is not "<sha256>  <path>"'],
    ['an uppercase digest', `${sha('A')}  pack.json\n`, 'line 1 is not "<sha256>  <path>"'],
    [
      'unsorted lines',
      `${sha('a')}  providers/a.json\n${sha('a')}  pack.json\n`,
      'line 2 is out of path order',
    ],
    ['a path listed twice', `${sha('a')}  pack.json\n${sha('b')}  pack.json\n`, 'is listed more than once'],
  ])('rejects %s', (_name, text, message) => {
    const { problems } = parseChecksums(text);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining(message)]);
    expect(problems.every((p) => p.code === 'CHECKSUMS_MALFORMED')).toBe(true);
  });
});
