import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { capturedLogger } from '../fixtures/logs.js';

const DAY_MS = 86_400_000;
/** A value of n characters. */
const value = (n: number) => 'v'.repeat(n);

describe('the in-memory store', () => {
  let store: MemoryStore;
  afterEach(() => store?.close());

  /** A store with room for `entries` entries of keys `k1`… and 1,000-character values, not one more. */
  const storeFor = (entries: number, logger?: ReturnType<typeof capturedLogger>['logger']) => {
    const probe = new MemoryStore();
    void probe.set('k1', value(1_000), DAY_MS);
    const bytes = probe.heldBytes;
    void probe.close();
    return new MemoryStore(Date.now, { maxBytes: entries * bytes, logger });
  };

  it('drops the entries written longest ago once what it holds passes maxBytes, keeping the one just written', async () => {
    store = storeFor(3);
    for (const k of ['k1', 'k2', 'k3', 'k4', 'k5']) await store.set(k, value(1_000), DAY_MS);
    expect(await Promise.all(['k1', 'k2', 'k3', 'k4', 'k5'].map((k) => store.get(k)))).toEqual([null, null, value(1_000), value(1_000), value(1_000)]);
  });

  it('keeps an entry rewritten since (a claim made a record, a budget used) over one written after it first was', async () => {
    store = storeFor(3);
    await store.set('k1', value(1_000), DAY_MS);
    expect(await store.setIfAbsent('k2', value(1_000), DAY_MS)).toBe(true);
    await store.set('k3', value(1_000), DAY_MS);
    await store.set('k1', value(1_000).replace('v', 'w'), DAY_MS);
    await store.set('k4', value(1_000), DAY_MS);
    expect(await store.get('k2')).toBeNull();
    expect(await store.get('k1')).toBe(value(1_000).replace('v', 'w'));
  });

  it('frees what a deleted or expired entry held', async () => {
    let now = 1_700_000_000_000;
    store = new MemoryStore(() => now);
    await store.set('k1', value(1_000), DAY_MS);
    expect(await store.deleteIfEquals('k1', value(1_000))).toBe(true);
    await store.set('k2', value(1_000), 1_000);
    now += 1_000;
    expect(await store.get('k2')).toBeNull();
    expect(store.heldBytes).toBe(0);
  });

  it('warns that entries were dropped before they expired, once a minute at most, with how many', async () => {
    const { logger, lines } = capturedLogger('warn');
    store = storeFor(1, logger);
    for (const k of ['k1', 'k2', 'k3']) await store.set(k, value(1_000), DAY_MS);
    logger.flush();
    expect(lines.filter((l) => String(l.msg).startsWith('the in-memory store is full'))).toEqual([expect.objectContaining({ level: 40, dropped: 1 })]);
  });
});
