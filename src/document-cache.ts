/**
 * Yoga's parse cache (documents, and the errors of those that do not parse), bounded by the
 * characters of the documents it holds as well as by their number. Yoga's default keeps the last
 * 1,000 whatever their size, each with its source text and AST: a caller sending unique documents
 * near `maxBodyBytes` (a long string literal is one token) made every replica hold about 105 kB per
 * document, ~110 MB in all (~260 MB at a subgraph's 256 kB), against the production heap of 160 MB
 * (found by the input fuzz audit). Clients send the same few documents again and again, with
 * variables: those stay cached; one larger than a sixteenth of the budget is parsed each time.
 */
export class DocumentCache<T> {
  private readonly entries = new Map<string, T>();
  private held = 0;

  constructor(
    private readonly maxChars: number,
    private readonly maxEntries = 1000,
  ) {}

  /** Characters of the documents held. */
  get chars(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): T | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // Most recently used last: Map iterates in insertion order.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: T): void {
    if (key.length > this.maxChars / 16) return;
    if (this.entries.delete(key)) this.held -= key.length;
    this.entries.set(key, value);
    this.held += key.length;
    for (const oldest of this.entries.keys()) {
      if (this.held <= this.maxChars && this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
      this.held -= oldest.length;
    }
  }
}

/** Characters of documents (and, apart, of documents that did not parse) each replica keeps parsed. */
export const DOCUMENT_CACHE_CHARS = 2_000_000;
