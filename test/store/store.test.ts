import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { RedisStore } from '../../src/store/redis.js';
import { gcra, type SharedStore } from '../../src/store/store.js';
import { redisAvailable } from '../fixtures/redis.js';
import { storeKinds, useStores } from '../fixtures/stores.js';

const stores = useStores('test:');

let n = 0;
const key = () => `k${++n}-${Math.random().toString(36).slice(2)}`;

describe.each(storeKinds)('the %s store', (kind) => {
  const store = () => stores[kind]!;
  /**
   * For the rate budget tests: a memory store whose clock stands still, or the Redis store (on
   * Redis's clock). Their budgets are a slot a second, so the bounds below leave half a second for
   * a loaded machine to pass between two calls.
   */
  let rates: SharedStore;
  const withRateStore = (test: () => Promise<void>) => async () => {
    rates = kind === 'memory' ? new MemoryStore(() => 1_700_000_000_000) : store();
    try {
      await test();
    } finally {
      if (kind === 'memory') await rates.close();
    }
  };
  /** The wait before a newly reserved slot of budget `k`. */
  const wait = async (k: string, perSecond: number, burst: number, maxWaitMs?: number) => (await rates.reserveRate(k, perSecond, burst, maxWaitMs)).waitMs;

  it('stores a value until its time to live runs out', async () => {
    const k = key();
    // Long enough that a loaded machine's stall between two calls does not outlast it.
    await store().set(k, 'v', 1_000);
    expect(await store().get(k)).toBe('v');
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await store().get(k)).toBeNull();
  });

  it('lets exactly one of many concurrent claims win', async () => {
    const k = key();
    const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => store().setIfAbsent(k, `owner-${i}`, 10_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('takes a claim of the very value the key holds as the same claim again (a command resent after a reconnection), any other as taken', async () => {
    const k = key();
    expect(await store().setIfAbsent(k, 'claim-1', 10_000)).toBe(true);
    expect(await store().setIfAbsent(k, 'claim-1', 10_000)).toBe(true);
    expect(await store().setIfAbsent(k, 'claim-2', 10_000)).toBe(false);
    expect(await store().get(k)).toBe('claim-1');
  });

  it('deletes only when the key still holds the given value', async () => {
    const k = key();
    await store().set(k, 'mine', 10_000);
    expect(await store().deleteIfEquals(k, 'theirs')).toBe(false);
    expect(await store().get(k)).toBe('mine');
    expect(await store().deleteIfEquals(k, 'mine')).toBe(true);
    expect(await store().get(k)).toBeNull();
  });

  it('moves the expiry only while the key still holds the given value', async () => {
    const k = key();
    await store().set(k, 'mine', 10_000);
    expect(await store().expireIfEquals(k, 'theirs', 100)).toBe(false);
    expect(await store().expireIfEquals(k, 'mine', 1_000)).toBe(true);
    expect(await store().get(k)).toBe('mine');
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await store().get(k)).toBeNull();
    expect(await store().expireIfEquals(k, 'mine', 10_000)).toBe(false);
  });

  it('lets a burst through at once, then spaces calls at the sustained rate', withRateStore(async () => {
    const k = key();
    const waits = [];
    for (let i = 0; i < 8; i++) waits.push(await wait(k, 1, 5));
    // 5 go at once; then one a second, each reservation queueing behind the previous one.
    expect(waits.slice(0, 5).every((w) => w === 0)).toBe(true);
    for (let i = 5; i < 8; i++) {
      expect(waits[i]).toBeGreaterThan((i - 5) * 1_000 + 500);
      expect(waits[i]).toBeLessThanOrEqual((i - 4) * 1_000 + 5);
    }
  }));

  it('reserves nothing when the wait would be maxWaitMs or more (a caller that will not wait spends no budget)', withRateStore(async () => {
    const k = key();
    expect(await wait(k, 1, 1)).toBe(0);
    // The next slot is ~1 s away: refused twice (a caller with 500 ms left), each told the same wait.
    const refused = [await wait(k, 1, 1, 500), await wait(k, 1, 1, 500)];
    for (const w of refused) expect(w).toBeGreaterThan(500);
    expect(refused[1]).toBeLessThanOrEqual(refused[0]!);
    // A caller that can wait takes that same slot, not one queued behind the refused ones.
    const taken = await wait(k, 1, 1, 10_000);
    expect(taken).toBeLessThanOrEqual(refused[0]!);
    expect(await wait(k, 1, 1)).toBeGreaterThan(taken + 500);
  }));

  it('takes the last slot reserved, given back, as the next one', withRateStore(async () => {
    const k = key();
    const slots = [];
    for (let i = 0; i < 3; i++) slots.push(await rates.reserveRate(k, 1, 1));
    expect(slots[2]!.waitMs).toBeGreaterThan(1_500); // slots at 0, ~1 s and ~2 s
    await rates.returnRate(k, 1, slots[2]!.slot!);
    const next = await wait(k, 1, 1);
    expect(next).toBeGreaterThan(1_500);
    expect(next).toBeLessThanOrEqual(slots[2]!.waitMs + 5); // the slot given back, not one ~3 s away
  }));

  it('keeps a slot spent when others were reserved after it: no slot is handed out twice', withRateStore(async () => {
    const k = key();
    const slots = [];
    for (let i = 0; i < 3; i++) slots.push(await rates.reserveRate(k, 1, 1));
    // The middle one is given back; the third still holds ~2 s, so the next is ~3 s away.
    await rates.returnRate(k, 1, slots[1]!.slot!);
    expect(await wait(k, 1, 1)).toBeGreaterThan(slots[2]!.waitMs + 500);
  }));

  it('never moves a budget before now', withRateStore(async () => {
    const k = key();
    const first = await rates.reserveRate(k, 1, 1);
    expect(first.waitMs).toBe(0);
    await rates.returnRate(k, 1, first.slot!);
    expect(await wait(k, 1, 1)).toBe(0);
    expect(await wait(k, 1, 1)).toBeGreaterThan(500); // one slot given back, not more
  }));

  it('gives nothing back to a budget it does not hold, or for a reservation that reserved nothing', withRateStore(async () => {
    const k = key();
    await rates.returnRate(k, 1, '123');
    expect(await rates.get(k)).toBeNull();
    expect(await wait(k, 1, 1)).toBe(0);
    expect((await rates.reserveRate(k, 1, 1, 10)).slot).toBeNull();
  }));

  it('answers ping while reachable', async () => {
    await expect(store().ping()).resolves.toBeUndefined();
  });
});

describe('gcra', () => {
  it('refills the budget as time passes', () => {
    let tat: number | null = null;
    for (let i = 0; i < 3; i++) tat = gcra(tat, 0, 10, 3).tat;
    expect(gcra(tat, 0, 10, 3).waitMs).toBe(100);
    expect(gcra(tat, 1000, 10, 3).waitMs).toBe(0);
  });
});

describe.runIf(redisAvailable)('the redis store when redis is gone', () => {
  it('fails ping instead of hanging', async () => {
    const dead = new RedisStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'x:', connectTimeoutMs: 200 });
    await expect(dead.ping()).rejects.toThrow();
    await dead.close();
  });
});
