import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/**
 * Bytes of parsed documents each replica keeps (their text and ASTs, as `documentBytes` estimates
 * them): a few hundred documents of the size clients send (60–170 tokens) fit many times over.
 */
export const DOCUMENT_CACHE_BYTES = 24_000_000;
/** Bytes of the errors of documents that did not parse: each holds its document's text. */
export const ERROR_CACHE_BYTES = 4_000_000;

/** An AST's bytes per token of its document, as measured: a document of 1,900 fields held ~520 per token, one of 2,000 brackets ~250. */
const AST_BYTES_PER_TOKEN = 500;
/** An error's own objects (message, locations, stack text), beyond the text of its document. */
const ERROR_BYTES = 1_000;

/**
 * Caches for Yoga's parser (documents, and the errors of those that do not parse), bounded by an
 * estimate of the bytes they hold as well as by their number. Yoga's default keeps the last 1,000
 * whatever their size, and both kinds of document pin memory in their own way (found by the input
 * fuzz audit, against the production heap of 160 MB): unique documents near `maxBodyBytes` (a long
 * string literal is one token) ~105 kB each, ~110 MB in all; and unique documents of `maxTokens`
 * short tokens (`[[[[…`, `a a a…`) up to ~1 MB of AST each in 2–10 kB of text, ~510 MB in all.
 * Clients send the same few documents again and again, with variables: those stay cached; one
 * larger than a sixteenth of the budget is parsed each time.
 */
export function documentCache(maxBytes = DOCUMENT_CACHE_BYTES, maxEntries = 1000): LRUCache<string, DocumentNode> {
  return boundedCache(maxBytes, maxEntries, documentBytes);
}

/** The cache of parse errors: each holds its document's text, and a message. */
export function errorCache(maxBytes = ERROR_CACHE_BYTES, maxEntries = 1000): LRUCache<string, Error> {
  return boundedCache(maxBytes, maxEntries, (document) => document.length + ERROR_BYTES);
}

function boundedCache<T extends object>(maxBytes: number, maxEntries: number, bytes: (document: string, value: T) => number): LRUCache<string, T> {
  return new LRUCache<string, T>({
    max: maxEntries,
    maxSize: maxBytes,
    maxEntrySize: Math.floor(maxBytes / 16),
    // Counted once, when the entry is stored; lru-cache takes no size below 1.
    sizeCalculation: (value, document) => Math.max(1, bytes(document, value)),
  });
}

/**
 * What a parsed document holds, roughly: its text and its AST, which grows with its tokens (the
 * chain graphql-js keeps in `loc`, walked once). One without locations (Yoga parses with them)
 * counts as too large to keep.
 */
export function documentBytes(text: string, document: DocumentNode): number {
  const loc = document.loc;
  if (!loc) return Infinity;
  let tokens = 0;
  for (let token = loc.startToken.next; token && token !== loc.endToken; token = token.next) tokens++;
  return text.length + tokens * AST_BYTES_PER_TOKEN;
}
