/**
 * State that several gateway replicas must share: idempotency records, upstream tokens, the
 * accounts' and callers' rate budgets, the locks of vault updates and of Auth0 rotations. In memory for one process (the default), Redis when `redis.url` is set.
 * Values are strings; callers encode what they keep.
 */
export interface SharedStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /**
   * Sets only when absent; true when this call set it (a claim or a lock), or when the key already
   * holds this very value: a claim's value is unique, so that is the same claim sent twice (a command
   * resent after a reconnection), never another caller's.
   */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes only when the key still holds `value` (releases only what the caller owns). */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /** Makes the key expire `ttlMs` from now, only when it still holds `value`; true when it did. */
  expireIfEquals(key: string, value: string, ttlMs: number): Promise<boolean>;
  /**
   * Reserves the next slot of a rate budget (GCRA: `perSecond` sustained, `burst` at once) and
   * returns how many ms the caller must wait before using it (0 = go now) and the slot. Reserving, not just
   * checking, is what makes a fan-out queue in order instead of stampeding. When there is a wait and it
   * would be `maxWaitMs` or more, nothing is reserved (the caller will not make the call, so it must not
   * spend the budget) and the wait is returned all the same.
   */
  reserveRate(key: string, perSecond: number, burst: number, maxWaitMs?: number): Promise<RateReservation>;
  /**
   * Gives a reserved slot back (its caller was cancelled while it waited), if it is still the last
   * one reserved: the budget's next slot then comes one interval sooner, never before now. A slot
   * with others reserved after it stays spent: moving the budget back would hand out a slot one of
   * them already holds, and more than `burst` calls could go at once.
   */
  returnRate(key: string, perSecond: number, slot: string): Promise<void>;
  /** Throws when the store cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A rate budget's answer: the wait before the slot, and the slot (null: none was reserved). */
export interface RateReservation {
  waitMs: number;
  /** The stored time this reservation left behind; returnRate compares it. */
  slot: string | null;
}

/**
 * GCRA on a stored "theoretical arrival time": each call moves it one interval later; a call may
 * go once `tat - burst * interval` has passed. Shared by both stores so they behave identically.
 */
export function gcra(storedTat: number | null, now: number, perSecond: number, burst: number): { tat: number; waitMs: number } {
  const interval = 1000 / perSecond;
  const tat = Math.max(storedTat ?? now, now) + interval;
  const waitMs = Math.max(0, tat - burst * interval - now);
  return { tat, waitMs };
}

/** The stored time after the last slot is given back (see SharedStore.returnRate). */
export function gcraReturn(storedTat: number, now: number, perSecond: number): number {
  return Math.max(now, storedTat - 1000 / perSecond);
}
