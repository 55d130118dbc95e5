import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SharedStoreUnavailableError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { MemoryStore } from '../../src/store/memory.js';
import { RateBudgets } from '../../src/store/rate-budgets.js';

const rate = { perSecond: 1, burst: 2 };

function logged() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'warn', destination: new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk))), done()) }) });
  return { lines, logger };
}

describe('RateBudgets', () => {
  it('draws on the shared store, so two replicas share one budget', async () => {
    const store = new MemoryStore();
    const { logger } = logged();
    const [a, b] = [new RateBudgets(store, logger), new RateBudgets(store, logger)];
    expect([await a.reserve('k', rate, 1), await b.reserve('k', rate, 1)]).toEqual([0, 0]);
    // The burst is spent: the third slot is a second away, and a caller that cannot wait takes nothing.
    expect(await a.reserve('k', rate, 1)).toBeGreaterThan(900);
  });

  it('takes a slot only when it is free now, given no time to wait (maxWaitMs 0): a refusal spends nothing', async () => {
    let now = 0;
    const { logger } = logged();
    const budgets = new RateBudgets(new MemoryStore(() => now), logger);
    const thrice = { perSecond: 3, burst: 1 };
    expect(await budgets.reserve('k', thrice, 0)).toBe(0);
    now = 333; // a third of a millisecond before the next slot
    expect(await budgets.reserve('k', thrice, 0)).toBeGreaterThan(0);
    now = 334;
    expect(await budgets.reserve('k', thrice, 0)).toBe(0);
  });

  it('keeps the budget on its own while the store is unreachable, and says so once', async () => {
    const store = new MemoryStore();
    store.reserveRate = () => Promise.reject(new SharedStoreUnavailableError());
    const { lines, logger } = logged();
    const budgets = new RateBudgets(store, logger);
    const waits = [await budgets.reserve('k', rate, 1), await budgets.reserve('k', rate, 1), await budgets.reserve('k', rate, 1)];
    expect(waits.slice(0, 2)).toEqual([0, 0]);
    expect(waits[2]).toBeGreaterThan(900);
    expect(lines).toEqual([expect.objectContaining({ msg: 'shared store unreachable; this replica keeps the rate budget on its own', budget: 'k' })]);
  });
});
