import { describe, expect, it } from 'vitest';
import { documentCache } from '../src/document-cache.js';

const doc = (n: number, chars: number) => `#${n}`.padEnd(chars, ' ');
const parsed = (n: number) => ({ n });

describe('documentCache', () => {
  it('holds at most its budget of characters, however many documents fit its count', () => {
    const cache = documentCache<{ n: number }>(16_000, 1000);
    for (let i = 0; i < 1000; i++) cache.set(doc(i, 1000), parsed(i));
    expect(cache.calculatedSize).toBeLessThanOrEqual(16_000);
    expect(cache.size).toBe(16);
    // The most recent ones, the oldest gone.
    expect(cache.get(doc(999, 1000))).toEqual(parsed(999));
    expect(cache.get(doc(0, 1000))).toBeUndefined();
  });

  it('holds at most its count of documents, however small', () => {
    const cache = documentCache<{ n: number }>(1_000_000, 3);
    for (let i = 0; i < 5; i++) cache.set(doc(i, 10), parsed(i));
    expect([0, 1, 2, 3, 4].map((i) => cache.get(doc(i, 10))?.n)).toEqual([undefined, undefined, 2, 3, 4]);
  });

  it('does not keep a document larger than a sixteenth of its budget: a near-maxBodyBytes literal is parsed each time', () => {
    const cache = documentCache<{ n: number }>(16_000);
    cache.set(doc(1, 1001), parsed(1));
    expect(cache.get(doc(1, 1001))).toBeUndefined();
    expect(cache.calculatedSize).toBe(0);
  });

  it('keeps a document read since over one that was not, when one must go', () => {
    const cache = documentCache<{ n: number }>(3_000);
    cache.set(doc(0, 150), parsed(0));
    for (let i = 1; i < 40; i++) {
      cache.get(doc(0, 150));
      cache.set(doc(i, 150), parsed(i));
    }
    expect(cache.get(doc(0, 150))).toEqual(parsed(0));
    expect(cache.get(doc(1, 150))).toBeUndefined();
  });

  it('caches the empty document', () => {
    const cache = documentCache<{ n: number }>();
    cache.set('', parsed(0));
    expect(cache.get('')).toEqual(parsed(0));
  });
});
