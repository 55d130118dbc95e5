/** What one request learns from the window it was counted in. */
export interface WindowCount {
  /** This request is beyond the second's budget. */
  over: boolean;
  /** Requests left in this second. */
  remaining: number;
  /** The Unix second at which the budget refills. */
  resetSecond: number;
  /** Milliseconds until then. */
  msLeft: number;
}

/**
 * The fixed one-second request budget every simulator rate-limits with. The limit is passed per
 * call because tests change a simulator's limit while it runs.
 */
export class SecondWindow {
  private second = 0;
  private used = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Counts one request against `limit` per second. */
  take(limit: number): WindowCount {
    const now = this.clock();
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.used = 0;
    }
    this.used++;
    return { over: this.used > limit, remaining: Math.max(0, limit - this.used), resetSecond: second + 1, msLeft: (second + 1) * 1000 - now };
  }
}
