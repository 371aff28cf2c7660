import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeChecksums, formatChecksums } from '../src/checksums.ts';
import { listRepositoryErrors, loadPackRepository } from '../src/load-pack-repository.ts';
import { formatManifestJson } from '../src/pack-files.ts';
import { isSemver } from '../src/semver.ts';
import { BUILTIN_PACKS } from './helpers.ts';

describe('built-in packs', async () => {
  const repository = await loadPackRepository(BUILTIN_PACKS);
  const providers = repository.packs.flatMap((pack) => pack.providers);
  const manifest = (id: string) => {
    const found = providers.find((provider) => provider.id === id)?.manifest;
    if (!found) throw new Error(`provider ${id} not loaded`);
    return found;
  };

  it('validate with zero errors', () => {
    expect(listRepositoryErrors(repository)).toEqual([]);
    expect(repository.valid).toBe(true);
    expect(
      repository.packs.every((pack) => pack.valid && pack.manifest && isSemver(pack.manifest.version)),
    ).toBe(true);
  });

  it('ship the CN and global providers', () => {
    const ids = Object.fromEntries(
      repository.packs.map((pack) => [pack.id, pack.providers.map((p) => p.id)]),
    );
    expect(ids).toEqual({
      cn: ['deepseek', 'moonshot', 'qwen', 'siliconflow', 'zhipu'],
      global: ['anthropic', 'openai', 'openrouter'],
    });
  });

  it('name each default group after its provider and probe with pong', () => {
    for (const provider of providers) {
      expect(provider.manifest?.defaults.group.name).toBe(provider.id);
      expect(provider.manifest?.probe).toMatchObject({ prompt: 'reply with pong only', expect: 'pong' });
    }
  });

  it('describe DeepSeek and Anthropic as their public docs do', () => {
    expect(manifest('deepseek')).toMatchObject({
      platform: 'openai',
      base_url: 'https://api.deepseek.com/v1',
      auth_style: 'bearer',
      probe: { model: 'deepseek-chat', prompt: 'reply with pong only', expect: 'pong' },
    });
    expect(manifest('deepseek').models.map((model) => model.id)).toEqual([
      'deepseek-chat',
      'deepseek-reasoner',
    ]);
    expect(manifest('anthropic')).toMatchObject({
      platform: 'anthropic',
      base_url: 'https://api.anthropic.com',
      auth_style: 'x-api-key',
    });
    expect(manifest('qwen').base_url).toBe('https://dashscope.aliyuncs.com/compatible-mode/v1');
  });

  it('keep checksums.txt and every manifest in canonical form', async () => {
    for (const pack of repository.packs) {
      const checksums = await readFile(path.join(pack.dir, 'checksums.txt'), 'utf8');
      expect(checksums).toBe(formatChecksums(await computeChecksums(pack.dir)));
      for (const file of ['pack.json', ...pack.providers.map((p) => `providers/${p.id}.json`)]) {
        const text = await readFile(path.join(pack.dir, file), 'utf8');
        expect(formatManifestJson(JSON.parse(text)), file).toBe(text);
      }
    }
  });
});
