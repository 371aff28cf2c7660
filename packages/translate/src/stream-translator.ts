/**
 * Translates one upstream SSE stream into the caller's protocol, event by event: each `push` returns
 * the SSE text to write now (possibly empty). Nothing but the unfinished tail of an event is held.
 */
export interface StreamTranslator {
  push(chunk: Uint8Array | string): string;
  /** The upstream ended cleanly: whatever closes the caller's stream (final events, `[DONE]`). */
  end(): string;
  /** The upstream was cut: a well-formed error event of the caller's protocol, ending the stream. */
  fail(message: string): string;
}
