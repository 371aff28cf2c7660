import { AdminError } from '../errors.ts';
import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgErrorOf } from '../store/index.ts';

/** What each unique constraint means to an API caller. */
const UNIQUE_MEANING: Record<string, { code: 'ALREADY_EXISTS' | 'CONFLICT'; message: string }> = {
  groups_name_unique: { code: 'ALREADY_EXISTS', message: 'a group with this name already exists' },
  account_groups_account_group_unique: {
    code: 'ALREADY_EXISTS',
    message: 'this account is already bound to this group',
  },
  channel_groups_group_unique: {
    code: 'CONFLICT',
    message: 'this group already belongs to a channel (a group belongs to at most one channel)',
  },
  prices_channel_model_unique: {
    code: 'ALREADY_EXISTS',
    message: 'a price for this model already exists in this channel (or globally)',
  },
};

/**
 * Postgres "data exceptions" a caller's value causes: text with a NUL character (which Postgres text
 * and jsonb cannot hold, though JSON and query strings can carry it), a lone UTF-16 surrogate in a
 * jsonb value (labels, model maps), a number or string beyond its column. They are bad input,
 * answered as such, never an internal error.
 */
const DATA_EXCEPTION_MEANING: Record<string, string> = {
  '22021': 'text must not contain NUL (\\u0000) characters',
  '22P05': 'text must not contain NUL (\\u0000) characters',
  '22P02': 'a value has an invalid form (e.g. text with an unpaired UTF-16 surrogate such as \\ud800)',
  '22003': 'a number is out of range',
  '22001': 'a value is too long',
};

/**
 * Turns a constraint violation raised by the database into the admin error a caller can act on.
 * Constraints are the last word under concurrency: two requests racing past a domain check still
 * get a clean 409, never a 500.
 */
export function translateStoreError(error: unknown): unknown {
  const pg = pgErrorOf(error);
  if (!pg) return error;
  if (pg.code === PG_UNIQUE_VIOLATION) {
    const meaning = pg.constraint ? UNIQUE_MEANING[pg.constraint] : undefined;
    if (meaning) return new AdminError(meaning.code, meaning.message, { constraint: pg.constraint });
    return new AdminError('CONFLICT', 'the change conflicts with an existing resource', {
      constraint: pg.constraint,
    });
  }
  const dataProblem = DATA_EXCEPTION_MEANING[pg.code];
  if (dataProblem !== undefined) {
    return new AdminError('VALIDATION_FAILED', `invalid request: ${dataProblem}`, [
      { path: '', message: dataProblem },
    ]);
  }
  if (pg.code === PG_FOREIGN_KEY_VIOLATION) {
    return new AdminError(
      'CONFLICT',
      'a referenced resource was created or deleted concurrently; read it again and retry',
      { constraint: pg.constraint },
    );
  }
  return error;
}

/** Runs a store operation (reads too: ids and filters come from the caller), translating its errors. */
export async function withStoreErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateStoreError(error);
  }
}
