import { parse, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { documentBytes, documentCache, errorCache } from '../src/document-cache.js';

/** A document selecting `fields` fields, made unique by `n`: `fields` + 4 tokens. */
const text = (n: number, fields: number) => `query Q${n} { ${'a '.repeat(fields)}}`;
const entry = (n: number, fields: number): [string, DocumentNode] => {
  const source = text(n, fields);
  return [source, parse(source)];
};

describe('documentBytes', () => {
  it('counts a document by its text and ~500 bytes a token of its AST', () => {
    const [source, document] = entry(1, 10);
    expect(documentBytes(source, document)).toBe(source.length + 14 * 500);
  });

  it('counts a document of one-character tokens far above its length', () => {
    const source = `{ a(x: ${'['.repeat(500)}1${']'.repeat(500)}) }`;
    expect(documentBytes(source, parse(source))).toBeGreaterThan(1_000 * 500);
  });

  it('counts a document parsed without locations as too large to keep', () => {
    const source = text(1, 1);
    expect(documentBytes(source, parse(source, { noLocation: true }))).toBe(Infinity);
  });
});

describe('documentCache', () => {
  it('holds at most its budget of bytes, however many documents fit its count', () => {
    const cache = documentCache(100_000, 1000);
    for (let i = 0; i < 1000; i++) cache.set(...entry(i, 8));
    expect(cache.calculatedSize).toBeLessThanOrEqual(100_000);
    // Each 6,030 bytes: 16 fit.
    expect(cache.size).toBe(16);
    // The most recent ones, the oldest gone.
    expect(cache.get(text(999, 8))).toBeDefined();
    expect(cache.get(text(0, 8))).toBeUndefined();
  });

  it('holds at most its count of documents, however small', () => {
    const cache = documentCache(1_000_000, 3);
    for (let i = 0; i < 5; i++) cache.set(...entry(i, 1));
    expect([0, 1, 2, 3, 4].map((i) => cache.has(text(i, 1)))).toEqual([false, false, true, true, true]);
  });

  it('does not keep a document larger than a sixteenth of its budget: it is parsed each time', () => {
    const cache = documentCache(100_000);
    // 10 fields: 14 tokens, ~7 kB, over 6,250 bytes.
    cache.set(...entry(1, 10));
    expect(cache.get(text(1, 10))).toBeUndefined();
    expect(cache.calculatedSize).toBe(0);
  });

  it('keeps a document read since over one that was not, when one must go', () => {
    const cache = documentCache(100_000);
    cache.set(...entry(0, 5));
    for (let i = 1; i < 40; i++) {
      cache.get(text(0, 5));
      cache.set(...entry(i, 5));
    }
    expect(cache.get(text(0, 5))).toBeDefined();
    expect(cache.get(text(1, 5))).toBeUndefined();
  });
});

describe('errorCache', () => {
  it('holds at most its budget of bytes: the text of each document that did not parse, and a little more', () => {
    const cache = errorCache(160_000, 1000);
    for (let i = 0; i < 100; i++) cache.set(`{ ${i} ${'x'.repeat(8_000)}`, new Error('Syntax Error'));
    expect(cache.calculatedSize).toBeLessThanOrEqual(160_000);
    // Each 9,005 bytes: 17 fit.
    expect(cache.size).toBe(17);
  });
});
