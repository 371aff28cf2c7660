import { describe, expect, it } from 'vitest';
import { getPath, numberFromText, setPath } from './manifest-paths.ts';

describe('manifest paths', () => {
  const manifest = { name: 'x', models: [{ id: 'm', price: { input: 1 } }] };

  it('reads and writes by the dotted paths validation errors use, without changing the original', () => {
    expect(getPath(manifest, 'models.0.price.input')).toBe(1);
    expect(getPath(manifest, 'models.3.price')).toBeUndefined();
    const changed = setPath(manifest, 'models.0.price.cache_read', 0.1);
    expect(changed.models[0]?.price).toEqual({ input: 1, cache_read: 0.1 });
    expect(manifest.models[0]?.price).toEqual({ input: 1 });
    expect(setPath(manifest, 'name', undefined)).not.toHaveProperty('name');
  });

  it('keeps a number field as text when it is not a number, so the validator can name the field', () => {
    expect(numberFromText(' 0.25 ')).toBe(0.25);
    expect(numberFromText('')).toBeUndefined();
    expect(numberFromText('cheap')).toBe('cheap');
  });
});
