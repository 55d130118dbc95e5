import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RateLimitedError, SharedStoreUnavailableError } from '../../src/errors.js';
import { TokenCache, type SharedTokens } from '../../src/http/tokens.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { SharedStore } from '../../src/store/store.js';
import { RedisStore } from '../../src/store/redis.js';
import { redisAvailable, startRedis, type RedisServer } from '../fixtures/redis.js';
import { capturedLogger } from '../fixtures/logs.js';

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
    const cache = new TokenCache(async () => ({ accessToken: `t${++calls}`, expiresIn: 60 }), { refreshSkewMs: 10_000, clock: () => now });
    expect(await cache.get()).toBe('t1');
    now = 49_000;
    expect(await cache.get()).toBe('t1');
    now = 50_001;
    expect(await cache.get()).toBe('t2');
  });

  it('after a 403, replaces a token once it is the given age, at most once per that age, keeping the old one until a new one is in hand', async () => {
    let now = 0;
    let calls = 0;
    let endpointUp = true;
    const cache = new TokenCache(
      async () => {
        calls++;
        if (!endpointUp) throw new Error('token endpoint down');
        return { accessToken: `t${calls}`, expiresIn: 3600 };
      },
      { clock: () => now },
    );
    expect(await cache.get()).toBe('t1');
    now = 59_999;
    expect(await cache.newerThan('t1', 60_000)).toBeNull();
    now = 60_000;
    endpointUp = false;
    expect(await cache.newerThan('t1', 60_000)).toBeNull();
    expect(await cache.get()).toBe('t1');
    now = 119_999;
    expect(await cache.newerThan('t1', 60_000)).toBeNull();
    expect(calls).toBe(2);
    now = 120_000;
    endpointUp = true;
    expect(await cache.newerThan('t1', 60_000)).toBe('t3');
    expect(await cache.get()).toBe('t3');
    // A call refused with the old token while the new one was fetched is sent with the new one.
    expect(await cache.newerThan('t1', 60_000)).toBe('t3');
    expect(calls).toBe(3);
  });

  it('gives every caller refused with the old token the replacement being fetched, with one token request', async () => {
    let now = 0;
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const cache = new TokenCache(
      async () => {
        if (++calls > 1) await gate;
        return { accessToken: `t${calls}`, expiresIn: 3600 };
      },
      { clock: () => now },
    );
    expect(await cache.get()).toBe('t1');
    now = 60_000;
    const refused = [cache.newerThan('t1', 60_000), cache.newerThan('t1', 60_000)];
    release();
    expect(await Promise.all(refused)).toEqual(['t2', 't2']);
    expect(calls).toBe(2);
  });

  it('keeps a token whose lifetime is shorter than the refresh margin for half of it, instead of fetching one per call', async () => {
    let now = 0;
    let calls = 0;
    const cache = new TokenCache(async () => ({ accessToken: `t${++calls}`, expiresIn: 6 }), { refreshSkewMs: 10_000, clock: () => now });
    expect(await cache.get()).toBe('t1');
    now = 2_999;
    expect(cache.peek()).toBe('t1');
    now = 3_001;
    expect(await cache.get()).toBe('t2');
  });

  it('after a 429, asks the token endpoint nothing until its wait is over, but never waits longer than five minutes', async () => {
    let now = 0;
    let calls = 0;
    const source = { vendor: 'KEYCARD' as const, account: 'kc' };
    const cache = new TokenCache(
      async () => {
        if (++calls === 1) throw new RateLimitedError(source, 86_400);
        return { accessToken: 'fresh', expiresIn: 3600 };
      },
      { clock: () => now },
    );
    await expect(cache.get()).rejects.toMatchObject({ retryAfter: 86_400 });
    now = 299_000;
    await expect(cache.get()).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1 });
    expect(calls).toBe(1);
    now = 300_001;
    expect(await cache.get()).toBe('fresh');
    expect(calls).toBe(2);
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

  it('with a shared store that fails once the token is fetched, keeps that token: one token request, not a second one made locally', async () => {
    const store = new MemoryStore();
    // Reachable for the read and the lock, gone by the time the token is to be stored.
    store.set = () => Promise.reject(new SharedStoreUnavailableError());
    let calls = 0;
    const cache = new TokenCache(async () => ({ accessToken: `t${++calls}`, expiresIn: 3600 }), {
      shared: { store, key: 'token:auth0:acct', sealWith: ['account-secret'], logger: silentLogger },
    });
    expect(await Promise.all([cache.get(), cache.get()])).toEqual(['t1', 't1']);
    expect(calls).toBe(1);
    expect(await store.get('token:auth0:acct:lock')).toBeNull(); // the lock released all the same
  });

  it('after a 403, replaces the token with the shared store unreachable, sends with the new one, and warns that peers cannot share it', async () => {
    let now = 0;
    let calls = 0;
    const store = new MemoryStore();
    const { logger, lines } = capturedLogger('warn');
    const cache = new TokenCache(async () => ({ accessToken: `upstream-token-${++calls}`, expiresIn: 3600 }), {
      clock: () => now,
      shared: { store, key: 'token:auth0:acct', sealWith: ['account-secret'], logger },
    });
    expect(await cache.get()).toBe('upstream-token-1');
    // The store goes away between the token being issued and the vendor refusing a call with it.
    store.get = () => Promise.reject(new SharedStoreUnavailableError());
    store.set = () => Promise.reject(new SharedStoreUnavailableError());
    now = 60_000;
    expect(await cache.newerThan('upstream-token-1', 60_000)).toBe('upstream-token-2');
    expect(await cache.get()).toBe('upstream-token-2');
    expect(calls).toBe(2);
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: 'could not share the upstream token; keeping it', err: expect.any(String) })]);
    expect(JSON.stringify(lines)).not.toContain('upstream-token');
  });

  it('after a 401, drops the token here even when the shared one cannot be dropped, warning the operator, and fetches a fresh one', async () => {
    let calls = 0;
    const store = new MemoryStore();
    const { logger, lines } = capturedLogger('warn');
    const cache = new TokenCache(async () => ({ accessToken: `upstream-token-${++calls}`, expiresIn: 3600 }), {
      shared: { store, key: 'token:auth0:acct', sealWith: ['account-secret'], logger },
    });
    expect(await cache.get()).toBe('upstream-token-1');
    store.deleteIfEquals = () => Promise.reject(new SharedStoreUnavailableError());
    cache.invalidate('upstream-token-1');
    // The drop is not waited for by the call being retried: wait for its warning, not a guessed time.
    await vi.waitFor(() => expect(lines).toEqual([expect.objectContaining({ level: 40, msg: 'could not drop the shared upstream token', err: expect.any(String) })]), { interval: 5 });
    // The rejected token, still in the store, is never taken back from it.
    expect(await cache.get()).toBe('upstream-token-2');
    expect(calls).toBe(2);
    expect(JSON.stringify(lines)).not.toContain('upstream-token');
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

/** Resolves once `check` holds, polling. */
async function until(check: () => Promise<boolean>) {
  while (!(await check())) await new Promise((r) => setTimeout(r, 5));
}

describe.runIf(redisAvailable)('TokenCache shared through Redis', () => {
  let redis: RedisServer;
  let store: RedisStore;
  beforeAll(async () => {
    redis = await startRedis();
    store = new RedisStore({ url: redis.url, keyPrefix: 'tokens-test:' });
  });
  afterAll(async () => {
    await store.close();
    await redis.stop();
  });
  let n = 0;
  const shared = (sealWith = ['account-secret']): SharedTokens => ({ store, key: `token:auth0:acct${n}`, sealWith, logger: silentLogger });

  it('fetches once for two replicas asking at the same moment, and keeps the token sealed', async () => {
    n++;
    let calls = 0;
    const fetch = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      return { accessToken: `upstream-token-${calls}`, expiresIn: 3600 };
    };
    const a = new TokenCache(fetch, { shared: shared() });
    const b = new TokenCache(fetch, { shared: shared() });
    const tokens = await Promise.all([a.get(), b.get(), a.get(), b.get()]);
    expect(new Set(tokens)).toEqual(new Set(['upstream-token-1']));
    expect(calls).toBe(1);
    const stored = await store.get(`token:auth0:acct${n}`);
    expect(stored).toBeTruthy();
    expect(stored).not.toContain('upstream-token');
  });

  it('fetches nothing when a peer stored its token between this replica finding none and taking the lock', async () => {
    n++;
    let calls = 0;
    const fetch = async () => ({ accessToken: `upstream-token-${++calls}`, expiresIn: 3600 });
    const a = new TokenCache(fetch, { shared: shared() });
    // B has read the store (nothing there); before its lock reaches Redis, A fetches, stores and unlocks.
    const late: SharedStore = Object.create(store, { setIfAbsent: { value: async (...args: [string, string, number]) => (await a.get(), store.setIfAbsent(...args)) } });
    const b = new TokenCache(fetch, { shared: { ...shared(), store: late } });
    expect(await b.get()).toBe('upstream-token-1');
    expect(calls).toBe(1);
  });

  it('fetches itself as soon as the peer holding the lock gives up (its fetch failed), not once the time it gives the peer has run out', async () => {
    n++;
    let fail!: () => void;
    const a = new TokenCache(() => new Promise((_, reject) => (fail = () => reject(new Error('token endpoint down')))), { shared: shared() });
    const first = a.get().catch((e: unknown) => e);
    await until(async () => (await store.get(`token:auth0:acct${n}:lock`)) !== null);
    // B's clock stands still: the time it gives its peer never runs out.
    const b = new TokenCache(async () => ({ accessToken: 'b-token', expiresIn: 3600 }), { clock: () => 1_000_000_000, shared: shared() });
    const second = b.get();
    await new Promise((r) => setTimeout(r, 100)); // B waits for its peer
    fail();
    expect(await first).toMatchObject({ message: 'token endpoint down' });
    expect(await second).toBe('b-token');
  }, 5_000);

  it('cannot read a token sealed under other secrets, and fetches its own', async () => {
    n++;
    await new TokenCache(async () => ({ accessToken: 'theirs', expiresIn: 3600 }), { shared: shared(['secret-1']) }).get();
    const other = new TokenCache(async () => ({ accessToken: 'mine', expiresIn: 3600 }), { shared: shared(['secret-2']) });
    expect(await other.get()).toBe('mine');
  });

  it('drops the shared token when the vendor rejects it, so no replica keeps using it', async () => {
    n++;
    let calls = 0;
    const fetch = async () => ({ accessToken: `t${++calls}`, expiresIn: 3600 });
    const a = new TokenCache(fetch, { shared: shared() });
    expect(await a.get()).toBe('t1');
    a.invalidate('t1');
    // The drop reads the token back before deleting it: wait for it to leave the store, not for a guessed time.
    await vi.waitFor(async () => expect(await store.get(`token:auth0:acct${n}`)).toBeNull(), { timeout: 5_000, interval: 5 });
    const b = new TokenCache(fetch, { shared: shared() });
    expect(await b.get()).toBe('t2');
  });

  it('fetches a fresh token right after a 401, before the store has dropped the rejected one', async () => {
    n++;
    let calls = 0;
    const cache = new TokenCache(async () => ({ accessToken: `t${++calls}`, expiresIn: 3600 }), { shared: shared() });
    expect(await cache.get()).toBe('t1');
    cache.invalidate('t1');
    expect(await cache.get()).toBe('t2');
    expect(calls).toBe(2);
  });

  it.each([
    { first: 'ahead', skewMs: 120_000, laterMs: 90_000 },
    { first: 'behind', skewMs: 300_000, laterMs: 200_000 },
  ] as const)('after a 403, each replica takes the newer token its peer stored, whatever their clocks say (the $first one replaces first)', async ({ first, skewMs, laterMs }) => {
    n++;
    let t = 1_000_000_000;
    let issued = 0;
    const fetch = async () => ({ accessToken: `t${++issued}`, expiresIn: 86_400 });
    const replicas = { ahead: new TokenCache(fetch, { clock: () => t, shared: shared() }), behind: new TokenCache(fetch, { clock: () => t - skewMs, shared: shared() }) };
    expect(await replicas.ahead.get()).toBe('t1');
    expect(await replicas.behind.get()).toBe('t1');
    t += laterMs;
    expect(await replicas[first].newerThan('t1', 60_000)).toBe('t2');
    expect(await replicas[first === 'ahead' ? 'behind' : 'ahead'].newerThan('t1', 60_000)).toBe('t2');
    expect(issued).toBe(2);
  });

  it('stores a token whose stated lifetime no time to live could hold (expires_in 1e20) once, as living a day, and the store stays usable', async () => {
    n++;
    let calls = 0;
    const t = 1_000_000_000;
    let now = t;
    const cache = new TokenCache(async () => ({ accessToken: `t${++calls}`, expiresIn: 1e20 }), { clock: () => now, shared: shared() });
    expect(await cache.get()).toBe('t1');
    // Redis refused such a time to live; the store then read as down for everything else too.
    expect(calls).toBe(1);
    await expect(store.get('anything')).resolves.toBeNull();
    now = t + 86_400_000;
    expect(await cache.get()).toBe('t2');
  });

  it('fetches locally when the store is unreachable', async () => {
    const dead = new RedisStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'x:', connectTimeoutMs: 100 });
    const cache = new TokenCache(async () => ({ accessToken: 'local', expiresIn: 3600 }), { shared: { ...shared(), store: dead } });
    expect(await cache.get()).toBe('local');
    await dead.close();
  });
});
