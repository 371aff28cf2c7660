import type { StreamTranslator } from './stream-translator.ts';

/** Two translators in a row (e.g. Anthropic → chat → Responses); the first one's output feeds the second. */
export class PipedStream implements StreamTranslator {
  constructor(
    private readonly first: StreamTranslator,
    private readonly second: StreamTranslator,
  ) {}

  push(chunk: Uint8Array | string): string {
    const middle = this.first.push(chunk);
    return middle === '' ? '' : this.second.push(middle);
  }

  end(): string {
    return this.second.push(this.first.end()) + this.second.end();
  }

  fail(message: string): string {
    return this.second.fail(message);
  }
}
