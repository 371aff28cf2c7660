/** Keeps the last `limit` characters of a process stream (enough to explain a failure, bounded memory). */
export class OutputTail {
  #text = '';
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  append(chunk: string): void {
    this.#text += chunk;
    // Trim in batches so a chatty process does not cost a copy per chunk.
    if (this.#text.length > this.#limit * 2) this.#text = this.#text.slice(-this.#limit);
  }

  get text(): string {
    return this.#text.length > this.#limit ? this.#text.slice(-this.#limit) : this.#text;
  }
}
