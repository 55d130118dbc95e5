import { describe, expect, it } from 'vitest';
import { requestLoader } from '../../src/vendors/loader.js';

/** A loader over a fake vendor that counts its calls. */
function counting() {
  const calls: string[] = [];
  const loader = requestLoader(async ([owner, id]: [string, string]) => {
    calls.push(`${owner}/${id}`);
    return { owner, id, fetched: true };
  });
  return { loader, calls };
}

describe('requestLoader', () => {
  it('makes one call per distinct key within a request', async () => {
    const { loader, calls } = counting();
    const [a, b, c] = await Promise.all([loader.load(['o1', 'c1']), loader.load(['o1', 'c1']), loader.load(['o1', 'c2'])]);
    expect(a).toBe(b);
    expect(c.id).toBe('c2');
    expect(calls).toEqual(['o1/c1', 'o1/c2']);
  });

  it('answers a key remembered from a list without a call', async () => {
    const { loader, calls } = counting();
    const listed = { owner: 'o1', id: 'c1', fetched: false };
    loader.remember(['o1', 'c1'], listed);
    expect(await loader.load(['o1', 'c1'])).toBe(listed);
    expect(calls).toEqual([]);
  });

  it('keeps keys with the same parts in another grouping apart', async () => {
    const { loader, calls } = counting();
    loader.remember(['a', 'b/c'], { owner: 'a', id: 'b/c', fetched: false });
    await loader.load(['a/b', 'c']);
    expect(calls).toEqual(['a/b/c']);
  });

  it('serves the written value after replace, and reads the vendor again after forget', async () => {
    const { loader, calls } = counting();
    await loader.load(['o1', 'c1']);
    const written = { owner: 'o1', id: 'c1', fetched: false };
    loader.replace(['o1', 'c1'], written);
    expect(await loader.load(['o1', 'c1'])).toBe(written);
    loader.forget(['o1', 'c1']);
    expect((await loader.load(['o1', 'c1'])).fetched).toBe(true);
    expect(calls).toEqual(['o1/c1', 'o1/c1']);
  });
});
