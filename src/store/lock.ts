import { randomBytes } from 'node:crypto';
import { sleep } from '../resilience/retry.js';
import type { SharedStore } from './store.js';

/** The lock stayed taken until the caller's deadline. */
export class LockBusy extends Error {}

/** How long a lock outlives its holder: a replica that dies holding it, a change that may still land. */
const GRACE_MS = 5_000;

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
export async function withLock<T>(
  store: SharedStore,
  key: string,
  until: { readonly deadline: number; readonly signal?: AbortSignal | undefined },
  work: (keep: () => void) => Promise<T>,
): Promise<T> {
  const claim = randomBytes(12).toString('hex');
  for (let wait = 10; !(await store.setIfAbsent(key, claim, Math.max(1_000, until.deadline - Date.now()) + GRACE_MS)); wait = Math.min(wait * 2, 200)) {
    if (Date.now() + wait >= until.deadline) throw new LockBusy(key);
    await sleep(wait, until.signal);
  }
  let kept = false;
  try {
    return await work(() => {
      kept = true;
    });
  } finally {
    await (kept ? store.expireIfEquals(key, claim, GRACE_MS) : store.deleteIfEquals(key, claim)).catch(() => undefined);
  }
}
