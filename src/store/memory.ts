import type { Logger } from '../logger.js';
import { gcra, gcraReturn, type RateReservation, type SharedStore } from './store.js';

/**
 * What one process's store may hold, as `entryBytes` estimates it: some 20,000 idempotency
 * records of an update (~1.5 kB each as measured), beside the production heap of 160 MB.
 */
export const MEMORY_STORE_BYTES = 32_000_000;
/** An entry's own objects beyond its key and value (Map slot, record, expiry), as measured: ~400 bytes. */
const ENTRY_BYTES = 400;
const entryBytes = (key: string, value: string) => key.length + value.length + ENTRY_BYTES;
const EVICTION_WARNING_MS = 60_000;

interface Entry {
  value: string;
  expiresAt: number;
}

export interface MemoryStoreOptions {
  /** Past this estimate of the bytes held, the entries written longest ago are dropped first. */
  maxBytes?: number;
  /** Told, once a minute at most, that entries were dropped before they expired. */
  logger?: Logger;
}

/**
 * One process's store: a Map with expiries. Expired entries are dropped when touched or swept.
 * Bounded: idempotency records live 24 h, and a caller making changes with a new key each time
 * (as it should) would otherwise hold ~1.5 kB per change for a day, past any heap at a vendor's
 * write budget (10 a second is 1.3 GB a day). Past `maxBytes`, the entries written longest ago go
 * first: the oldest records, whose retries are the least likely; a claim or a budget is rewritten
 * as it is used, and so is the last to go.
 */
export class MemoryStore implements SharedStore {
  readonly kind = 'memory' as const;
  /** In the order they were last written: a write moves an entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxBytes: number;
  private readonly logger: Logger | undefined;
  private evicted = 0;
  private lastWarning = -Infinity;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly clock: () => number = Date.now,
    options: MemoryStoreOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? MEMORY_STORE_BYTES;
    this.logger = options.logger;
    // Idempotency records live 24 h; without a sweep, keys never read again would pile up.
    this.sweeper = setInterval(() => this.sweep(), 60_000).unref();
  }

  /** The estimate of the bytes held that `maxBytes` bounds. */
  get heldBytes(): number {
    return this.bytes;
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.put(key, { value, expiresAt: this.clock() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const entry = this.live(key);
    // Already this very value: the same claim again, as on Redis (see SET_IF_ABSENT in redis.ts).
    if (entry) return entry.value === value;
    this.put(key, { value, expiresAt: this.clock() + ttlMs });
    return true;
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    if (this.live(key)?.value !== value) return false;
    return this.remove(key);
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
    this.put(key, { value: slot, expiresAt: tat + 1000 });
    return { waitMs, slot };
  }

  async returnRate(key: string, perSecond: number, slot: string): Promise<void> {
    const stored = this.live(key);
    if (stored?.value !== slot) return;
    const value = String(gcraReturn(Number(slot), this.clock(), perSecond));
    this.bytes += value.length - stored.value.length;
    stored.value = value;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
    this.bytes = 0;
  }

  private put(key: string, entry: Entry): void {
    this.remove(key);
    this.entries.set(key, entry);
    this.bytes += entryBytes(key, entry.value);
    if (this.bytes > this.maxBytes) this.evict(key);
  }

  /** Drops the entries written longest ago until the estimate fits, never the one just written. */
  private evict(kept: string): void {
    const now = this.clock();
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.maxBytes || key === kept) break;
      if (entry.expiresAt > now) this.evicted++;
      this.remove(key);
    }
    if (this.evicted > 0 && now - this.lastWarning >= EVICTION_WARNING_MS) {
      this.logger?.warn(
        { dropped: this.evicted, maxBytes: this.maxBytes },
        'the in-memory store is full: the entries written longest ago (idempotency records) were dropped before they expired; share a Redis to keep them 24 h',
      );
      this.lastWarning = now;
      this.evicted = 0;
    }
  }

  private remove(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.bytes -= entryBytes(key, entry.value);
    return true;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.clock()) {
      this.remove(key);
      return undefined;
    }
    return entry;
  }

  private sweep() {
    const now = this.clock();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.remove(key);
  }
}
