/** A JSON object as read from a request or response body. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Copies `value` to `target[key]` only when it is present (JSON has no `undefined`). */
export function setDefined(target: JsonObject, key: string, value: unknown): void {
  if (value !== undefined && value !== null) target[key] = value;
}
