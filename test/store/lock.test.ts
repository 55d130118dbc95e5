import { describe, expect, it } from 'vitest';
import { LockBusy, withLock, withLockOrRefuse } from '../../src/store/lock.js';
import { storeKinds, useStores } from '../fixtures/stores.js';

const stores = useStores('lock-test:');
let n = 0;
const key = () => `lock-${++n}-${Math.random().toString(36).slice(2)}`;
const until = (ms: number) => ({ deadline: Date.now() + ms });
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(storeKinds)('withLock on the %s store', (kind) => {
  const store = () => stores[kind]!;

  it('lets one holder of a key work at a time, the others in turn', async () => {
    const k = key();
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((i) =>
        withLock(store(), k, until(5_000), async () => {
          most = Math.max(most, ++inside);
          await tick(30);
          order.push(i);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order.sort()).toEqual([1, 2, 3]);
  });

  it('does not hold back other keys', async () => {
    let inside = 0;
    let most = 0;
    const work = async () => {
      most = Math.max(most, ++inside);
      await tick(30);
      inside--;
    };
    await Promise.all([withLock(store(), key(), until(5_000), work), withLock(store(), key(), until(5_000), work)]);
    expect(most).toBe(2);
  });

  it('refuses a waiter at its deadline without running its work', async () => {
    const k = key();
    let ran = false;
    const holder = withLock(store(), k, until(5_000), () => tick(400));
    await tick(20);
    await expect(withLock(store(), k, until(100), async () => void (ran = true))).rejects.toBeInstanceOf(LockBusy);
    expect(ran).toBe(false);
    await holder;
  });

  it('releases the key when the work fails', async () => {
    const k = key();
    await expect(withLock(store(), k, until(5_000), () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withLock(store(), k, until(50), async () => 'next')).resolves.toBe('next');
  });

  it('holds the key a while more, failed or not, when the work says a change it sent may still land', async () => {
    for (const outcome of [() => Promise.reject(new Error('sent, never answered')), async () => 'applied by a retry']) {
      const k = key();
      await withLock(store(), k, until(100), (keep) => {
        keep();
        return outcome();
      }).catch(() => undefined);
      await expect(withLock(store(), k, until(300), async () => 'next')).rejects.toBeInstanceOf(LockBusy);
    }
  });

});

describe.each(storeKinds)('withLockOrRefuse on the %s store', (kind) => {
  const store = () => stores[kind]!;

  it('refuses at once, its work never run, while another holds the key: it does not wait its turn', async () => {
    const k = key();
    let ran = false;
    let attempt: Promise<unknown> | undefined;
    // Asked from inside the holder's work, which then ends: the key is held when asked, and free a
    // moment later, which a caller that waited its turn would then take.
    await withLock(store(), k, until(5_000), async () => {
      attempt = withLockOrRefuse(store(), k, until(5_000), async () => void (ran = true)).catch((err: unknown) => err);
    });
    expect(await attempt).toBeInstanceOf(LockBusy);
    expect(ran).toBe(false);
  });

  it('runs its work when the key is free, and releases it after, succeeded or failed', async () => {
    const k = key();
    await expect(withLockOrRefuse(store(), k, until(5_000), async () => 'first')).resolves.toBe('first');
    await expect(withLockOrRefuse(store(), k, until(5_000), () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withLockOrRefuse(store(), k, until(5_000), async () => 'third')).resolves.toBe('third');
  });

  it('holds the key while its work runs, refusing another at once, and a while more when the work says a change it sent may still land', async () => {
    const k = key();
    await withLockOrRefuse(store(), k, until(5_000), async (keep) => {
      await expect(withLockOrRefuse(store(), k, until(5_000), async () => 'inside')).rejects.toBeInstanceOf(LockBusy);
      keep();
    });
    await expect(withLockOrRefuse(store(), k, until(5_000), async () => 'after')).rejects.toBeInstanceOf(LockBusy);
  });
});
