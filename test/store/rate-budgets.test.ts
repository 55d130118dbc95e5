import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SharedStoreUnavailableError } from '../../src/errors.js';
import { MemoryStore } from '../../src/store/memory.js';
import { RateBudgets } from '../../src/store/rate-budgets.js';
import { capturedLogger } from '../fixtures/logs.js';

const rate = { perSecond: 1, burst: 2 };

const logged = () => capturedLogger('warn');

describe('RateBudgets', () => {
  // Date stands still (the stores' default clock, and the local one's): the waits below are exact,
  // however long a loaded machine takes between two reservations.
  beforeEach(() => vi.useFakeTimers({ toFake: ['Date'] }));
  afterEach(() => vi.useRealTimers());

  it('draws on the shared store, so two replicas share one budget', async () => {
    const store = new MemoryStore();
    const { logger } = logged();
    const [a, b] = [new RateBudgets(store, logger), new RateBudgets(store, logger)];
    expect([(await a.reserve('k', rate, 1)).waitMs, (await b.reserve('k', rate, 1)).waitMs]).toEqual([0, 0]);
    // The burst is spent: the third slot is a second away, and a caller that cannot wait takes nothing.
    expect((await a.reserve('k', rate, 1)).waitMs).toBe(1_000);
  });

  it('takes a slot only when it is free now, given no time to wait (maxWaitMs 0): a refusal spends nothing', async () => {
    let now = 0;
    const { logger } = logged();
    const budgets = new RateBudgets(new MemoryStore(() => now), logger);
    const thrice = { perSecond: 3, burst: 1 };
    expect((await budgets.reserve('k', thrice, 0)).waitMs).toBe(0);
    now = 333; // a third of a millisecond before the next slot
    expect((await budgets.reserve('k', thrice, 0)).waitMs).toBeGreaterThan(0);
    now = 334;
    expect((await budgets.reserve('k', thrice, 0)).waitMs).toBe(0);
  });

  it('keeps the budget on its own while the store is unreachable, and says so once', async () => {
    const store = new MemoryStore();
    store.reserveRate = () => Promise.reject(new SharedStoreUnavailableError());
    const { lines, logger } = logged();
    const budgets = new RateBudgets(store, logger);
    const waits = [];
    for (let i = 0; i < 3; i++) waits.push((await budgets.reserve('k', rate, 1)).waitMs);
    expect(waits.slice(0, 2)).toEqual([0, 0]);
    expect(waits[2]).toBe(1_000);
    expect(lines).toEqual([expect.objectContaining({ msg: 'shared store unreachable; this replica keeps the rate budget on its own', budget: 'k' })]);
  });

  it('gives a slot back to the store that issued it, not to the other', async () => {
    // Both stores' clocks read 0: the local store then issues the very slots the shared one did, so
    // a slot given back to the wrong store would count there.
    vi.setSystemTime(0);
    const shared = new MemoryStore();
    const { logger } = logged();
    const budgets = new RateBudgets(shared, logger);
    const once = { perSecond: 1, burst: 1 };
    await budgets.reserve('k', once);
    await budgets.reserve('k', once); // the shared budget's last slot is 1 s away, its next one 2 s
    // The store goes away: this replica reserves locally, and the one that waits is cancelled.
    const reserveRate = shared.reserveRate.bind(shared);
    shared.reserveRate = () => Promise.reject(new SharedStoreUnavailableError());
    await budgets.reserve('k', once);
    const local = await budgets.reserve('k', once);
    expect(local.waitMs).toBe(1_000);
    shared.reserveRate = reserveRate;
    await local.giveBack();
    // The shared budget is untouched: its next slot is still the one 2 s away.
    expect((await shared.reserveRate('k', 1, 1)).waitMs).toBe(2_000);
    await shared.close();
  });
});
