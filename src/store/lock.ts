import { randomBytes } from 'node:crypto';
import { sleep } from '../resilience/retry.js';
import type { SharedStore } from './store.js';

/** The lock stayed taken until the caller's deadline (withLock), or was taken when asked (withLockOrRefuse). */
export class LockBusy extends Error {}

/** How long a lock outlives its holder: a replica that dies holding it, a change that may still land. */
const GRACE_MS = 5_000;

interface Until {
  readonly deadline: number;
  readonly signal?: AbortSignal | undefined;
}

/** How long a claim taken now lives: its holder's deadline, and the grace. */
const lifetime = (until: Until) => Math.max(1_000, until.deadline - Date.now()) + GRACE_MS;

/**
 * Runs `work` as the only holder of `key` among every replica sharing `store`: for a vendor's
 * read-modify-write, which has no concurrency control of its own to stop two changes overwriting
 * each other. Waiters poll with backoff until their deadline. The lock outlives its holder's
 * deadline a little, so a replica that dies holding it cannot block the key for long.
 *
 * `work` calls `keep()` when a change it sent may still land later (sent, never answered, even if
 * a retry then succeeded): the lock is then held GRACE_MS more instead of released, or the next
 * holder would read the state before that change and write it back over it.
 */
export async function withLock<T>(store: SharedStore, key: string, until: Until, work: (keep: () => void) => Promise<T>): Promise<T> {
  const claim = randomBytes(12).toString('hex');
  for (let wait = 10; !(await store.setIfAbsent(key, claim, lifetime(until))); wait = Math.min(wait * 2, 200)) {
    if (Date.now() + wait >= until.deadline) throw new LockBusy(key);
    await sleep(wait, until.signal);
  }
  return holding(store, key, claim, work);
}

/**
 * As `withLock`, but a caller that finds `key` held does not wait its turn: it is refused at once
 * with LockBusy, its work never run. For a change that must not be made twice at once, where
 * taking turns would make it twice (a rotation: each one retires a key). The lock lives, and
 * `keep()` holds it, as `withLock`'s does.
 */
export async function withLockOrRefuse<T>(store: SharedStore, key: string, until: Until, work: (keep: () => void) => Promise<T>): Promise<T> {
  const claim = randomBytes(12).toString('hex');
  if (!(await store.setIfAbsent(key, claim, lifetime(until)))) throw new LockBusy(key);
  return holding(store, key, claim, work);
}

/** Runs `work` under a claim taken, then releases it, or holds it GRACE_MS more if `work` called `keep()`. */
async function holding<T>(store: SharedStore, key: string, claim: string, work: (keep: () => void) => Promise<T>): Promise<T> {
  let kept = false;
  try {
    return await work(() => {
      kept = true;
    });
  } finally {
    await (kept ? store.expireIfEquals(key, claim, GRACE_MS) : store.deleteIfEquals(key, claim)).catch(() => undefined);
  }
}
