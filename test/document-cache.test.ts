import { describe, expect, it } from 'vitest';
import { DocumentCache } from '../src/document-cache.js';

const doc = (n: number, chars: number) => `#${n}`.padEnd(chars, ' ');

describe('DocumentCache', () => {
  it('holds at most its budget of characters, however many documents fit its count', () => {
    const cache = new DocumentCache<number>(16_000, 1000);
    for (let i = 0; i < 1000; i++) cache.set(doc(i, 1000), i);
    expect(cache.chars).toBeLessThanOrEqual(16_000);
    expect(cache.size).toBe(16);
    // The most recent ones, the oldest gone.
    expect(cache.get(doc(999, 1000))).toBe(999);
    expect(cache.get(doc(0, 1000))).toBeUndefined();
  });

  it('holds at most its count of documents, however small', () => {
    const cache = new DocumentCache<number>(1_000_000, 3);
    for (let i = 0; i < 5; i++) cache.set(doc(i, 10), i);
    expect(cache.size).toBe(3);
    expect([0, 1, 2, 3, 4].map((i) => cache.get(doc(i, 10)))).toEqual([undefined, undefined, 2, 3, 4]);
  });

  it('does not keep a document larger than a sixteenth of its budget: a near-maxBodyBytes literal is parsed each time', () => {
    const cache = new DocumentCache<number>(16_000);
    cache.set(doc(1, 1001), 1);
    expect(cache.get(doc(1, 1001))).toBeUndefined();
    expect(cache.chars).toBe(0);
  });

  it('keeps a document read since over one that was not, when one must go', () => {
    const cache = new DocumentCache<number>(3_000);
    cache.set(doc(0, 150), 0);
    cache.set(doc(1, 150), 1);
    expect(cache.get(doc(0, 150))).toBe(0);
    for (let i = 2; i < 40; i++) cache.set(doc(i, 150), i);
    expect(cache.get(doc(0, 150))).toBeUndefined();
    expect(cache.get(doc(1, 150))).toBeUndefined();
    const kept = new DocumentCache<number>(3_000);
    kept.set(doc(0, 150), 0);
    for (let i = 1; i < 40; i++) {
      kept.get(doc(0, 150));
      kept.set(doc(i, 150), i);
    }
    expect(kept.get(doc(0, 150))).toBe(0);
    expect(kept.chars).toBeLessThanOrEqual(3_000);
  });

  it('counts a document set twice once', () => {
    const cache = new DocumentCache<number>(16_000);
    cache.set(doc(0, 500), 0);
    cache.set(doc(0, 500), 1);
    expect({ size: cache.size, chars: cache.chars, value: cache.get(doc(0, 500)) }).toEqual({ size: 1, chars: 500, value: 1 });
  });
});
