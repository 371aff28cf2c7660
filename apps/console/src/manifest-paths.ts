/** Reading and writing a manifest by dotted path (`models.0.price.input`), as validation errors name fields. */

type Json = Record<string, unknown> | unknown[];

export function getPath(root: unknown, path: string): unknown {
  let at: unknown = root;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** A copy of `root` with `path` set to `value` (removed when undefined); missing objects are created. */
export function setPath<T extends Json>(root: T, path: string, value: unknown): T {
  const copy = structuredClone(root);
  const parts = path.split('.');
  let at: Record<string, unknown> = copy as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    const next = at[part];
    if (next === null || typeof next !== 'object') at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1] ?? '';
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

/** What a number field's text means: a number when it reads as one, else the text (so validation can say why). */
export function numberFromText(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}
