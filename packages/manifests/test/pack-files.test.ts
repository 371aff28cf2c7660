import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeChecksums } from '../src/checksums.ts';
import { listRepositoryErrors, loadPackRepository } from '../src/load-pack-repository.ts';
import { bumpPackVersion, formatManifestJson, writeProviderManifest } from '../src/pack-files.ts';
import type { ProviderManifest } from '../src/provider-manifest-schema.ts';
import { copyBuiltinPacks, readJsonFile } from './helpers.ts';

describe('publishing into a pack', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('write provider + bump version + rewrite checksums leaves a valid pack', async () => {
    const copy = await copyBuiltinPacks();
    cleanup = copy.cleanup;
    const packDir = path.join(copy.packs, 'cn');
    const manifest: ProviderManifest = await readJsonFile(path.join(packDir, 'providers/deepseek.json'));
    const mirror = { ...manifest, id: 'deepseek-mirror', base_url: 'http://127.0.0.1:9000/v1' };

    await writeProviderManifest(packDir, mirror);
    expect(await bumpPackVersion(packDir)).toEqual({ from: '1.0.0', to: '1.0.1' });
    await writeChecksums(packDir);

    const repository = await loadPackRepository(copy.root);
    expect(listRepositoryErrors(repository)).toEqual([]);
    const cn = repository.packs.find((pack) => pack.id === 'cn');
    expect(cn?.manifest).toMatchObject({ id: 'cn', version: '1.0.1', maintainers: ['Relay maintainers'] });
    expect(cn?.providers.find((p) => p.id === 'deepseek-mirror')?.manifest?.base_url).toBe(
      'http://127.0.0.1:9000/v1',
    );
  });

  it('bumpPackVersion refuses a version that is not semver and leaves pack.json untouched', async () => {
    const copy = await copyBuiltinPacks();
    cleanup = copy.cleanup;
    const file = path.join(copy.packs, 'global/pack.json');
    const broken = formatManifestJson({ ...(await readJsonFile(file)), version: 'one' });
    await writeFile(file, broken);
    await expect(bumpPackVersion(path.dirname(file))).rejects.toThrow(/not a semantic version: "one"/);
    expect(await readFile(file, 'utf8')).toBe(broken);
  });

  it('formatManifestJson puts short scalar arrays on one line and expands objects', () => {
    expect(formatManifestJson({ a: ['x', 'y'], b: { c: 1 }, d: [], e: [{ f: null }], g: undefined })).toBe(
      '{\n  "a": ["x", "y"],\n  "b": {\n    "c": 1\n  },\n  "d": [],\n  "e": [\n    {\n      "f": null\n    }\n  ]\n}\n',
    );
    const long = Array.from({ length: 20 }, (_, i) => `maintainer-${i}`);
    expect(formatManifestJson({ long })).toBe(
      `{\n  "long": [\n${long.map((m) => `    "${m}"`).join(',\n')}\n  ]\n}\n`,
    );
  });
});
