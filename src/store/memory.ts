import { gcra, gcraReturn, type RateReservation, type SharedStore } from './store.js';

/** One process's store: a Map with expiries. Expired entries are dropped when touched or swept. */
export class MemoryStore implements SharedStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly clock: () => number = Date.now) {
    // Idempotency records live 24 h; without a sweep, keys never read again would pile up.
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.clock() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const entry = this.live(key);
    // Already this very value: the same claim again, as on Redis (see SET_IF_ABSENT in redis.ts).
    if (entry) return entry.value === value;
    this.entries.set(key, { value, expiresAt: this.clock() + ttlMs });
    return true;
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    if (this.live(key)?.value !== value) return false;
    return this.entries.delete(key);
  }

  async expireIfEquals(key: string, value: string, ttlMs: number): Promise<boolean> {
    const entry = this.live(key);
    if (entry?.value !== value) return false;
    entry.expiresAt = this.clock() + ttlMs;
    return true;
  }

  async reserveRate(key: string, perSecond: number, burst: number, maxWaitMs?: number): Promise<RateReservation> {
    const now = this.clock();
    const stored = this.live(key);
    const { tat, waitMs } = gcra(stored ? Number(stored.value) : null, now, perSecond, burst);
    if (maxWaitMs !== undefined && waitMs > 0 && waitMs >= maxWaitMs) return { waitMs, slot: null };
    const slot = String(tat);
    this.entries.set(key, { value: slot, expiresAt: tat + 1000 });
    return { waitMs, slot };
  }

  async returnRate(key: string, perSecond: number, slot: string): Promise<void> {
    const stored = this.live(key);
    if (stored?.value === slot) stored.value = String(gcraReturn(Number(slot), this.clock(), perSecond));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private live(key: string) {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep() {
    const now = this.clock();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
