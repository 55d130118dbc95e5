import { describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis.js';
import { gcra } from '../../src/store/store.js';
import { redisAvailable } from '../fixtures/redis.js';
import { storeKinds, useStores } from '../fixtures/stores.js';

const stores = useStores('test:');

let n = 0;
const key = () => `k${++n}-${Math.random().toString(36).slice(2)}`;

describe.each(storeKinds)('the %s store', (kind) => {
  const store = () => stores[kind]!;
  /** The wait before a newly reserved slot of budget `k`. */
  const wait = async (k: string, perSecond: number, burst: number, maxWaitMs?: number) => (await store().reserveRate(k, perSecond, burst, maxWaitMs)).waitMs;

  it('stores a value until its time to live runs out', async () => {
    const k = key();
    await store().set(k, 'v', 150);
    expect(await store().get(k)).toBe('v');
    await new Promise((r) => setTimeout(r, 250));
    expect(await store().get(k)).toBeNull();
  });

  it('lets exactly one of many concurrent claims win', async () => {
    const k = key();
    const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => store().setIfAbsent(k, `owner-${i}`, 10_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('deletes only when the key still holds the given value', async () => {
    const k = key();
    await store().set(k, 'mine', 10_000);
    expect(await store().deleteIfEquals(k, 'theirs')).toBe(false);
    expect(await store().get(k)).toBe('mine');
    expect(await store().deleteIfEquals(k, 'mine')).toBe(true);
    expect(await store().get(k)).toBeNull();
  });

  it('lets a burst through at once, then spaces calls at the sustained rate', async () => {
    const k = key();
    const waits = [];
    for (let i = 0; i < 8; i++) waits.push(await wait(k, 10, 5));
    // 5 go at once; then one every 100 ms, each reservation queueing behind the previous one.
    expect(waits.slice(0, 5).every((w) => w === 0)).toBe(true);
    for (let i = 5; i < 8; i++) {
      expect(waits[i]).toBeGreaterThan((i - 5) * 100 + 50);
      expect(waits[i]).toBeLessThanOrEqual((i - 4) * 100 + 5);
    }
  });

  it('reserves nothing when the wait would be maxWaitMs or more (a caller that will not wait spends no budget)', async () => {
    const k = key();
    expect(await wait(k, 10, 1)).toBe(0);
    // The next slot is ~100 ms away: refused twice (a caller with 50 ms left), each told the same wait.
    const refused = [await wait(k, 10, 1, 50), await wait(k, 10, 1, 50)];
    for (const w of refused) expect(w).toBeGreaterThan(50);
    expect(refused[1]).toBeLessThanOrEqual(refused[0]!);
    // A caller that can wait takes that same slot, not one queued behind the refused ones.
    const taken = await wait(k, 10, 1, 10_000);
    expect(taken).toBeLessThanOrEqual(refused[0]!);
    expect(await wait(k, 10, 1)).toBeGreaterThan(taken + 50);
  });

  it('takes the last slot reserved, given back, as the next one', async () => {
    const k = key();
    const slots = [];
    for (let i = 0; i < 3; i++) slots.push(await store().reserveRate(k, 10, 1));
    expect(slots[2]!.waitMs).toBeGreaterThan(150); // slots at 0, ~100 and ~200 ms
    await store().returnRate(k, 10, slots[2]!.slot!);
    const next = await wait(k, 10, 1);
    expect(next).toBeGreaterThan(150);
    expect(next).toBeLessThanOrEqual(slots[2]!.waitMs + 5); // the slot given back, not one ~300 ms away
  });

  it('keeps a slot spent when others were reserved after it: no slot is handed out twice', async () => {
    const k = key();
    const slots = [];
    for (let i = 0; i < 3; i++) slots.push(await store().reserveRate(k, 10, 1));
    // The middle one is given back; the third still holds ~200 ms, so the next is ~300 ms away.
    await store().returnRate(k, 10, slots[1]!.slot!);
    expect(await wait(k, 10, 1)).toBeGreaterThan(slots[2]!.waitMs + 50);
  });

  it('never moves a budget before now', async () => {
    const k = key();
    const first = await store().reserveRate(k, 10, 1);
    expect(first.waitMs).toBe(0);
    await store().returnRate(k, 10, first.slot!);
    expect(await wait(k, 10, 1)).toBe(0);
    expect(await wait(k, 10, 1)).toBeGreaterThan(50); // one slot given back, not more
  });

  it('gives nothing back to a budget it does not hold, or for a reservation that reserved nothing', async () => {
    const k = key();
    await store().returnRate(k, 10, '123');
    expect(await store().get(k)).toBeNull();
    expect(await wait(k, 10, 1)).toBe(0);
    expect((await store().reserveRate(k, 10, 1, 10)).slot).toBeNull();
  });

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
