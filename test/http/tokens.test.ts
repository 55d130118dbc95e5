import { describe, expect, it } from 'vitest';
import { TokenCache } from '../../src/http/tokens.js';

describe('TokenCache', () => {
  it('fetches once for many concurrent callers', async () => {
    let calls = 0;
    const cache = new TokenCache(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { accessToken: `t${calls}`, expiresIn: 3600 };
    });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => cache.get()));
    expect(new Set(tokens)).toEqual(new Set(['t1']));
    expect(calls).toBe(1);
  });

  it('refreshes shortly before expiry', async () => {
    let now = 0;
    let calls = 0;
    const cache = new TokenCache(async () => ({ accessToken: `t${++calls}`, expiresIn: 60 }), 10_000, () => now);
    expect(await cache.get()).toBe('t1');
    now = 49_000;
    expect(await cache.get()).toBe('t1');
    now = 50_001;
    expect(await cache.get()).toBe('t2');
  });

  it('drops a rejected token only if it is still the cached one', async () => {
    let calls = 0;
    const cache = new TokenCache(async () => ({ accessToken: `t${++calls}`, expiresIn: 3600 }));
    await cache.get();
    cache.invalidate('some-older-token');
    expect(await cache.get()).toBe('t1');
    cache.invalidate('t1');
    expect(await cache.get()).toBe('t2');
  });

  it('lets the next caller retry after a failed fetch', async () => {
    let calls = 0;
    const cache = new TokenCache(async () => {
      if (++calls === 1) throw new Error('down');
      return { accessToken: 'ok', expiresIn: 3600 };
    });
    await expect(cache.get()).rejects.toThrow('down');
    expect(await cache.get()).toBe('ok');
  });
});
