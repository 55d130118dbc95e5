import { z } from 'zod';
import { SharedStoreUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { MemoryStore } from './memory.js';
import type { RateReservation, SharedStore } from './store.js';

/** A token bucket: `perSecond` slots refill each second, up to `burst` held at once. */
export const rate = z.object({ perSecond: z.number().positive().max(100_000), burst: z.number().int().min(1).max(100_000) }).strict();
export type Rate = z.output<typeof rate>;

/**
 * Token-bucket budgets kept in the shared store, so every replica draws on the same one. With the
 * store unreachable, each replica keeps them on its own (as without Redis) and says so once a
 * minute: calls go on rather than fail for want of a counter.
 */
export class RateBudgets {
  private local: MemoryStore | undefined;
  private warnedAt = 0;

  constructor(
    private readonly store: SharedStore,
    private readonly logger: Logger,
  ) {}

  /**
   * Reserves the next slot of the budget `key`: how long to wait for it (0: now), and how to give it
   * back if it goes unused. A wait of `maxWaitMs` or more reserves nothing and is returned all the same.
   */
  async reserve(key: string, { perSecond, burst }: Rate, maxWaitMs?: number): Promise<BudgetSlot> {
    let store: SharedStore = this.store;
    let reserved: RateReservation;
    try {
      reserved = await store.reserveRate(key, perSecond, burst, maxWaitMs);
    } catch (err) {
      if (!(err instanceof SharedStoreUnavailableError)) throw err;
      if (Date.now() - this.warnedAt > 60_000) {
        this.warnedAt = Date.now();
        this.logger.warn({ budget: key }, 'shared store unreachable; this replica keeps the rate budget on its own');
      }
      store = this.local ??= new MemoryStore();
      reserved = await store.reserveRate(key, perSecond, burst, maxWaitMs);
    }
    const { waitMs, slot } = reserved;
    return {
      waitMs,
      // To the store that issued the slot, and only while no one has reserved since (SharedStore.returnRate).
      giveBack: () => (slot === null ? Promise.resolve() : store.returnRate(key, perSecond, slot).catch(() => undefined)),
    };
  }
}

/** A reserved slot of a rate budget. */
export interface BudgetSlot {
  /** How long to wait before using it; 0: now. */
  waitMs: number;
  /**
   * Gives the slot back when it goes unused (its request was cancelled while it waited), so the
   * callers after it need not wait for a call that is never made. Best effort: a store that cannot
   * be reached, or a slot with others reserved after it, stays spent.
   */
  giveBack(): Promise<void>;
}
