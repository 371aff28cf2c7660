/**
 * A request that cannot be expressed in the target protocol (e.g. `n: 3` for Anthropic, tool arguments
 * that are not JSON). It is the caller's mistake, so the gateway answers 400 `INVALID_REQUEST` in the
 * caller's own envelope, naming `param`.
 */
export class TranslationError extends Error {
  override readonly name = 'TranslationError';

  constructor(
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}
