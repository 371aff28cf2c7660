import type { FieldError } from './pack-error.ts';
import { fieldError, fromZodIssues } from './pack-error.ts';
import type { ProviderManifest } from './provider-manifest-schema.ts';
import { providerManifestSchema } from './provider-manifest-schema.ts';

export type ProviderManifestValidation =
  | { ok: true; manifest: ProviderManifest; errors: [] }
  | { ok: false; errors: FieldError[] };

/**
 * Validates a provider manifest that is not (yet) a file, e.g. a manager draft.
 * `expectedId` is the id the manifest must carry (the draft's provider_id, or the file name).
 */
export function validateProviderManifest(
  value: unknown,
  options: { expectedId?: string } = {},
): ProviderManifestValidation {
  const parsed = providerManifestSchema.safeParse(value);
  const errors = parsed.success ? [] : fromZodIssues(parsed.error.issues);
  // Checked on the raw value so a file with other mistakes still reports a wrong id.
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  const { expectedId } = options;
  if (expectedId !== undefined && typeof id === 'string' && id !== expectedId) {
    errors.push(fieldError('id', 'PROVIDER_ID_MISMATCH', `is "${id}" but must be "${expectedId}"`));
  }
  if (parsed.success && errors.length === 0) return { ok: true, manifest: parsed.data, errors: [] };
  return { ok: false, errors };
}
