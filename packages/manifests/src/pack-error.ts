import type { z } from 'zod';

/** Stable machine codes of pack validation errors. */
export type PackErrorCode =
  | 'SCHEMA_INVALID'
  | 'INVALID_JSON'
  | 'FILE_UNREADABLE'
  | 'PACK_JSON_MISSING'
  | 'PACK_ID_MISMATCH'
  | 'PROVIDER_ID_MISMATCH'
  | 'DUPLICATE_PROVIDER_ID'
  | 'DUPLICATE_MODEL_ID'
  | 'PROBE_MODEL_UNKNOWN'
  | 'UNEXPECTED_FILE'
  | 'CHECKSUMS_MISSING'
  | 'CHECKSUMS_MALFORMED'
  | 'CHECKSUM_MISMATCH'
  | 'CHECKSUM_UNLISTED'
  | 'CHECKSUM_FILE_MISSING'
  | 'PACKS_DIR_MISSING';

/**
 * An error about one field of a document that has no file yet (a manager draft).
 * `message` starts with the field so it reads on its own: `models.1.price.input: must be >= 0`.
 */
export interface FieldError {
  /** Dotted path inside the document (`models.1.price.input`), null for the whole document. */
  field: string | null;
  code: PackErrorCode;
  message: string;
}

/**
 * An error about a file of a pack repository. `file` is relative to the repository root
 * (`packs/cn/providers/deepseek.json`); `message` reads on its own as `<file>: <field>: <what is wrong>`.
 */
export interface PackError extends FieldError {
  file: string;
}

export function fieldError(field: string | null, code: PackErrorCode, detail: string): FieldError {
  return { field, code, message: field === null ? detail : `${field}: ${detail}` };
}

export function packError(
  file: string,
  field: string | null,
  code: PackErrorCode,
  detail: string,
): PackError {
  const where = field === null ? file : `${file}: ${field}`;
  return { file, field, code, message: `${where}: ${detail}` };
}

/** Re-homes a draft's field error into a file of the repository. */
export function inFile(file: string, error: FieldError): PackError {
  return { ...error, file, message: `${file}: ${error.message}` };
}

function fieldPath(path: readonly PropertyKey[]): string | null {
  return path.length === 0 ? null : path.map(String).join('.');
}

/** Turns zod issues into field errors; an unknown key becomes an error on that key. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push(fieldError(fieldPath([...issue.path, key]), 'SCHEMA_INVALID', 'unknown field'));
      }
      continue;
    }
    const custom = issue.code === 'custom' ? issue.params?.code : undefined;
    const code = typeof custom === 'string' ? (custom as PackErrorCode) : 'SCHEMA_INVALID';
    errors.push(fieldError(fieldPath(issue.path), code, issue.message));
  }
  return errors;
}
