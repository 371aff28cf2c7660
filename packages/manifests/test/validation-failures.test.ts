import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeChecksums } from '../src/checksums.ts';
import { listRepositoryErrors, loadPackRepository } from '../src/load-pack-repository.ts';
import { copyBuiltinPacks, editJsonFile } from './helpers.ts';

interface Breakage {
  name: string;
  /** Damages the copy; `packs` is the copied packs/ directory. */
  apply: (packs: string) => Promise<void>;
  expected: { file: string; field: string | null; code: string }[];
}

const DEEPSEEK = 'cn/providers/deepseek.json';

/** Edits a provider or pack file and rewrites its pack's checksums, so only the intended error remains. */
const editThenChecksum = (file: string, edit: (value: any) => void) => async (packs: string) => {
  await editJsonFile(path.join(packs, file), edit);
  await writeChecksums(path.join(packs, file.split('/')[0] ?? ''));
};

const breakages: Breakage[] = [
  {
    name: 'a wrong checksum',
    apply: async (packs) => {
      const file = path.join(packs, 'cn/checksums.txt');
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace(/^[0-9a-f]{64}(?= {2}providers\/deepseek\.json$)/m, '0'.repeat(64)));
    },
    expected: [
      { file: 'packs/cn/checksums.txt', field: 'providers/deepseek.json', code: 'CHECKSUM_MISMATCH' },
    ],
  },
  {
    name: 'a file edited after checksums were written',
    apply: (packs) =>
      editJsonFile(path.join(packs, DEEPSEEK), (m) => {
        m.models[0].price.input = 9;
      }),
    expected: [
      { file: 'packs/cn/checksums.txt', field: 'providers/deepseek.json', code: 'CHECKSUM_MISMATCH' },
    ],
  },
  {
    name: 'an unlisted file',
    apply: (packs) => writeFile(path.join(packs, 'cn/NOTES.md'), 'not listed\n'),
    expected: [{ file: 'packs/cn/checksums.txt', field: 'NOTES.md', code: 'CHECKSUM_UNLISTED' }],
  },
  {
    name: 'a missing listed file',
    apply: (packs) => rm(path.join(packs, 'cn/providers/zhipu.json')),
    expected: [
      { file: 'packs/cn/checksums.txt', field: 'providers/zhipu.json', code: 'CHECKSUM_FILE_MISSING' },
    ],
  },
  {
    name: 'a missing checksums.txt',
    apply: (packs) => rm(path.join(packs, 'global/checksums.txt')),
    expected: [{ file: 'packs/global/checksums.txt', field: null, code: 'CHECKSUMS_MISSING' }],
  },
  {
    name: 'a provider id that is not its file name',
    apply: editThenChecksum(DEEPSEEK, (m) => {
      m.id = 'deepseek-v3';
    }),
    expected: [{ file: 'packs/cn/providers/deepseek.json', field: 'id', code: 'PROVIDER_ID_MISMATCH' }],
  },
  {
    name: 'a pack id that is not its directory name',
    apply: editThenChecksum('cn/pack.json', (m) => {
      m.id = 'china';
    }),
    expected: [{ file: 'packs/cn/pack.json', field: 'id', code: 'PACK_ID_MISMATCH' }],
  },
  {
    name: 'a provider id declared by two packs',
    apply: async (packs) => {
      await copyFile(path.join(packs, DEEPSEEK), path.join(packs, 'global/providers/deepseek.json'));
      await writeChecksums(path.join(packs, 'global'));
    },
    expected: [
      { file: 'packs/cn/providers/deepseek.json', field: 'id', code: 'DUPLICATE_PROVIDER_ID' },
      { file: 'packs/global/providers/deepseek.json', field: 'id', code: 'DUPLICATE_PROVIDER_ID' },
    ],
  },
  {
    name: 'a duplicate model id',
    apply: editThenChecksum(DEEPSEEK, (m) => {
      m.models[1].id = m.models[0].id;
    }),
    expected: [
      { file: 'packs/cn/providers/deepseek.json', field: 'models.1.id', code: 'DUPLICATE_MODEL_ID' },
    ],
  },
  {
    name: 'a negative price',
    apply: editThenChecksum(DEEPSEEK, (m) => {
      m.models[0].price.input = -0.28;
    }),
    expected: [
      { file: 'packs/cn/providers/deepseek.json', field: 'models.0.price.input', code: 'SCHEMA_INVALID' },
    ],
  },
  {
    name: 'a non-numeric price',
    apply: editThenChecksum(DEEPSEEK, (m) => {
      m.models[1].price.output = '0.42';
    }),
    expected: [
      { file: 'packs/cn/providers/deepseek.json', field: 'models.1.price.output', code: 'SCHEMA_INVALID' },
    ],
  },
  {
    name: 'a version that is not semver',
    apply: editThenChecksum('global/pack.json', (m) => {
      m.version = '1.0';
    }),
    expected: [{ file: 'packs/global/pack.json', field: 'version', code: 'SCHEMA_INVALID' }],
  },
  {
    name: 'a base_url that is not http(s)',
    apply: editThenChecksum(DEEPSEEK, (m) => {
      m.base_url = 'ftp://api.deepseek.com/v1';
    }),
    expected: [{ file: 'packs/cn/providers/deepseek.json', field: 'base_url', code: 'SCHEMA_INVALID' }],
  },
  {
    name: 'a base_url that is not a URL',
    apply: editThenChecksum('global/providers/openai.json', (m) => {
      m.base_url = 'api.openai.com/v1';
    }),
    expected: [{ file: 'packs/global/providers/openai.json', field: 'base_url', code: 'SCHEMA_INVALID' }],
  },
  {
    name: 'a probe model the provider does not list',
    apply: editThenChecksum(DEEPSEEK, (m) => {
      m.probe.model = 'deepseek-coder';
    }),
    expected: [
      { file: 'packs/cn/providers/deepseek.json', field: 'probe.model', code: 'PROBE_MODEL_UNKNOWN' },
    ],
  },
  {
    name: 'a misspelt field',
    apply: editThenChecksum(DEEPSEEK, (m) => {
      m.defaults.account.priorty = m.defaults.account.priority;
      delete m.defaults.account.priority;
    }),
    expected: [
      {
        file: 'packs/cn/providers/deepseek.json',
        field: 'defaults.account.priority',
        code: 'SCHEMA_INVALID',
      },
      { file: 'packs/cn/providers/deepseek.json', field: 'defaults.account.priorty', code: 'SCHEMA_INVALID' },
    ],
  },
  {
    name: 'a provider file name that is not a slug',
    apply: async (packs) => {
      await rm(path.join(packs, 'global/providers/openai.json'));
      await writeFile(path.join(packs, 'global/providers/OpenAI.json'), '{}');
      await writeChecksums(path.join(packs, 'global'));
    },
    expected: [
      { file: 'packs/global/providers/OpenAI.json', field: null, code: 'UNEXPECTED_FILE' },
      ...[
        'auth_style',
        'base_url',
        'defaults',
        'docs_url',
        'id',
        'models',
        'name',
        'platform',
        'pricing_as_of',
        'pricing_source',
        'probe',
      ].map((field) => ({ file: 'packs/global/providers/OpenAI.json', field, code: 'SCHEMA_INVALID' })),
    ],
  },
  {
    name: 'a provider file that is not JSON',
    apply: async (packs) => {
      await writeFile(path.join(packs, 'cn/providers/qwen.json'), '{"id": "qwen",');
      await writeChecksums(path.join(packs, 'cn'));
    },
    expected: [{ file: 'packs/cn/providers/qwen.json', field: null, code: 'INVALID_JSON' }],
  },
];

describe('loadPackRepository on a damaged copy of the built-in packs', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it.each(breakages)('reports $name with the file and the field', async ({ apply, expected }) => {
    const copy = await copyBuiltinPacks();
    cleanup = copy.cleanup;
    await apply(copy.packs);

    const repository = await loadPackRepository(copy.root);
    const errors = listRepositoryErrors(repository);

    const key = (e: { file: string; field: string | null }) => `${e.file} ${e.field ?? ''}`;
    expect(
      errors
        .map(({ file, field, code }) => ({ file, field, code }))
        .sort((a, b) => key(a).localeCompare(key(b))),
    ).toEqual(expected);
    for (const error of errors) {
      expect(
        error.message.startsWith(
          error.field === null ? `${error.file}: ` : `${error.file}: ${error.field}: `,
        ),
      ).toBe(true);
    }
    expect(repository.valid).toBe(false);
    // The damaged pack is still listed, marked invalid; an untouched pack stays valid.
    const damaged = new Set(expected.map((e) => e.file.split('/')[1]));
    for (const pack of repository.packs) expect(pack.valid).toBe(!damaged.has(pack.id));
    expect(repository.packs.map((pack) => pack.id)).toEqual(['cn', 'global']);
  });

  it('lists duplicate provider ids as repository errors and marks both providers invalid', async () => {
    const copy = await copyBuiltinPacks();
    cleanup = copy.cleanup;
    await copyFile(path.join(copy.packs, DEEPSEEK), path.join(copy.packs, 'global/providers/deepseek.json'));
    await writeChecksums(path.join(copy.packs, 'global'));

    const repository = await loadPackRepository(copy.packs);
    expect(repository.errors.map((e) => e.message)).toEqual([
      expect.stringContaining('also declared by packs/global/providers/deepseek.json'),
      expect.stringContaining('also declared by packs/cn/providers/deepseek.json'),
    ]);
    const deepseeks = repository.packs.flatMap((p) => p.providers).filter((p) => p.id === 'deepseek');
    expect(deepseeks.map((p) => p.valid)).toEqual([false, false]);
  });

  it('keeps the manifest of a valid provider inside an invalid pack', async () => {
    const copy = await copyBuiltinPacks();
    cleanup = copy.cleanup;
    await writeFile(path.join(copy.packs, 'cn/NOTES.md'), 'x\n');
    const cn = (await loadPackRepository(copy.root)).packs.find((pack) => pack.id === 'cn');
    expect(cn?.valid).toBe(false);
    expect(cn?.manifest?.version).toBe('1.0.0');
    expect(cn?.providers.find((p) => p.id === 'deepseek')?.manifest?.base_url).toBe(
      'https://api.deepseek.com/v1',
    );
  });

  it('reports a directory without packs instead of throwing', async () => {
    const repository = await loadPackRepository('/nonexistent/relay/packs');
    expect(repository.valid).toBe(false);
    expect(repository.errors.map((e) => e.code)).toEqual(['PACKS_DIR_MISSING']);
  });
});
