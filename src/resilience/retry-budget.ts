/** The span a budget looks back over: Finagle's and Apollo Router's retry budgets use 10 s too. */
export const WINDOW_SECONDS = 10;

/**
 * How many retries one account may make: over the last WINDOW_SECONDS, `minPerSecond` per second
 * plus `ratio` of the calls made. A vendor failing some of its calls (too few in a row to open the
 * circuit breaker) would otherwise get up to maxAttempts times its load from the gateway, on top of
 * whatever its clients repeat themselves; with a budget, at most 1 + ratio times, beyond a small
 * reserve that lets a quiet account still retry.
 */
export class RetryBudget {
  /** Per-second counts, a ring indexed by epoch second. */
  private readonly calls = new Float64Array(WINDOW_SECONDS);
  private readonly retries = new Float64Array(WINDOW_SECONDS);
  private callsInWindow = 0;
  private retriesInWindow = 0;
  /** The epoch second the newest bucket counts. */
  private second = 0;

  constructor(
    private readonly ratio: number,
    private readonly minPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A call's first attempt: it earns `ratio` of a retry. */
  called(): void {
    this.advance();
    this.calls[this.second % WINDOW_SECONDS]!++;
    this.callsInWindow++;
  }

  /** Takes one retry from the budget; false when none is left. */
  takeRetry(): boolean {
    this.advance();
    if (this.retriesInWindow + 1 > this.minPerSecond * WINDOW_SECONDS + this.ratio * this.callsInWindow) return false;
    this.retries[this.second % WINDOW_SECONDS]!++;
    this.retriesInWindow++;
    return true;
  }

  /** Forgets the seconds that left the window. A clock stepping back keeps counting in the newest second. */
  private advance(): void {
    const second = Math.floor(this.now() / 1000);
    if (second <= this.second) return;
    const gone = Math.min(second - this.second, WINDOW_SECONDS);
    for (let i = 1; i <= gone; i++) {
      const slot = (this.second + i) % WINDOW_SECONDS;
      this.callsInWindow -= this.calls[slot]!;
      this.retriesInWindow -= this.retries[slot]!;
      this.calls[slot] = 0;
      this.retries[slot] = 0;
    }
    this.second = second;
  }
}
