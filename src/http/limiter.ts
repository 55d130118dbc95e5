import type { Cancellable, CancelGroup } from './cancel-group.js';

interface Waiter extends Cancellable {
  grant(): void;
}

/** A counting semaphore: at most `limit` calls in flight per account; the rest queue in order. */
export class Limiter {
  private active = 0;
  /** Waiters in arrival order; a Set so a cancelled one leaves from anywhere in the line. */
  private readonly queue = new Set<Waiter>();

  constructor(readonly limit: number) {}

  /**
   * Takes a slot: null when one was free (the common case, no promise at all), otherwise a
   * promise that resolves once a slot is handed over. Every granted acquire needs one `release()`.
   * Cancelling `group` while waiting rejects with its reason at once, and no slot is taken: a
   * request past its deadline does not wait for other requests' calls to finish.
   */
  acquire(group?: CancelGroup): Promise<void> | null {
    if (this.active < this.limit) {
      this.active++;
      return null;
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          group?.delete(waiter);
          resolve();
        },
        cancel: (reason) => {
          this.queue.delete(waiter);
          reject(reason);
        },
      };
      if (group && !group.add(waiter)) return reject(group.reason);
      this.queue.add(waiter);
    });
  }

  /** Frees a slot; it passes straight to the next in line, so none can jump the queue. */
  release(): void {
    for (const next of this.queue) {
      this.queue.delete(next);
      next.grant();
      return;
    }
    this.active--;
  }
}
