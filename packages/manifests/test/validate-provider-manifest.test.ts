import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { providerManifestSchema } from '../src/provider-manifest-schema.ts';
import { validateProviderManifest } from '../src/validate-provider-manifest.ts';
import { BUILTIN_PACKS, readJsonFile } from './helpers.ts';

const deepseek = () => readJsonFile(path.join(BUILTIN_PACKS, 'cn/providers/deepseek.json'));

describe('validateProviderManifest (drafts)', () => {
  it('accepts a built-in manifest and returns it typed', async () => {
    const result = validateProviderManifest(await deepseek(), { expectedId: 'deepseek' });
    expect(result.ok).toBe(true);
    expect(result.ok && result.manifest.probe.model).toBe('deepseek-chat');
  });

  it('returns one field error per problem, each naming its field', async () => {
    const draft = await deepseek();
    draft.platform = 'gemini';
    draft.auth_style = 'basic';
    draft.pricing_as_of = '15/10/2025';
    draft.models[0].context_window = 12.5;
    draft.models[1].price.cache_read = null;
    draft.defaults.group.rate_multiplier = 0;
    delete draft.probe.expect;

    const result = validateProviderManifest(draft);
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => e.message)).toEqual([
      'platform: must be "openai" or "anthropic"',
      'auth_style: must be "bearer" or "x-api-key"',
      'pricing_as_of: must be a date written YYYY-MM-DD',
      'models.0.context_window: must be an integer',
      'models.1.price.cache_read: must be a number (USD per 1M tokens)',
      'defaults.group.rate_multiplier: must be > 0',
      'probe.expect: is required',
    ]);
    expect(result.errors.every((e) => e.code === 'SCHEMA_INVALID')).toBe(true);
  });

  it('checks the id it must carry, and duplicate models, even alongside other errors', async () => {
    const draft = await deepseek();
    draft.name = '';
    draft.models[1].id = 'deepseek-chat';
    const result = validateProviderManifest(draft, { expectedId: 'deepseek-eu' });
    expect(result.errors).toEqual([
      { field: 'name', code: 'SCHEMA_INVALID', message: 'name: must not be empty' },
      {
        field: 'models.1.id',
        code: 'DUPLICATE_MODEL_ID',
        message: 'models.1.id: duplicate model id "deepseek-chat" (already models.0.id)',
      },
      { field: 'id', code: 'PROVIDER_ID_MISMATCH', message: 'id: is "deepseek" but must be "deepseek-eu"' },
    ]);
  });

  it('rejects a document that is not an object without throwing', () => {
    for (const value of [null, 'deepseek', [], 42]) {
      expect(validateProviderManifest(value).errors).toEqual([
        { field: null, code: 'SCHEMA_INVALID', message: 'must be a JSON object' },
      ]);
    }
  });

  it('the schema alone rejects what validate rejects', async () => {
    const draft = await deepseek();
    draft.probe.model = 'gpt-4o';
    expect(providerManifestSchema.safeParse(draft).success).toBe(false);
  });
});
