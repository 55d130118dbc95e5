/** A counting semaphore: at most `limit` calls in flight per account; the rest queue in order. */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /**
   * Takes a slot: null when one was free (the common case, no promise at all), otherwise a
   * promise that resolves once a slot is handed over. Every acquire needs one `release()`.
   */
  acquire(): Promise<void> | null {
    if (this.active < this.limit) {
      this.active++;
      return null;
    }
    return new Promise<void>((resolve) => this.queue.push(resolve));
  }

  /** Frees a slot; it passes straight to the next in line, so none can jump the queue. */
  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const queued = this.acquire();
    if (queued) await queued;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
