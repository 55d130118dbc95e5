import { LRUCache } from 'lru-cache';

/** Characters of documents (and, apart, of documents that did not parse) each replica keeps parsed. */
export const DOCUMENT_CACHE_CHARS = 2_000_000;

/**
 * A cache for Yoga's parser (documents, and the errors of those that do not parse), bounded by the
 * characters of the documents it holds as well as by their number. Yoga's default keeps the last
 * 1,000 whatever their size, each with its source text and AST: a caller sending unique documents
 * near `maxBodyBytes` (a long string literal is one token) made every replica hold about 105 kB per
 * document, ~110 MB in all (~260 MB at a subgraph's 256 kB), against the production heap of 160 MB
 * (found by the input fuzz audit). Clients send the same few documents again and again, with
 * variables: those stay cached; one larger than a sixteenth of the budget is parsed each time.
 */
export function documentCache<T extends object>(maxChars = DOCUMENT_CACHE_CHARS, maxEntries = 1000): LRUCache<string, T> {
  return new LRUCache<string, T>({
    max: maxEntries,
    maxSize: maxChars,
    maxEntrySize: Math.floor(maxChars / 16),
    // lru-cache takes no size of 0: an empty document counts as one character.
    sizeCalculation: (_value, document) => Math.max(1, document.length),
  });
}
