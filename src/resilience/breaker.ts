import { z } from 'zod';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Per-account breaker settings (config `http.breaker`). */
export const breakerSettings = z
  .object({
    /** Consecutive failures that open the breaker. */
    failureThreshold: z.number().int().min(1).max(1000).default(5),
    /** How long it stays open before one probe call is let through. */
    cooldownMs: z.number().int().min(100).max(3_600_000).default(30_000),
  })
  .strict();
export type BreakerSettings = z.output<typeof breakerSettings>;

/** admit(): the call may go. */
export const GO = 0;
/** admit(): the call may go, as the half-open breaker's one probe; its verdict must say so. */
export const PROBE = -1;

/**
 * A circuit breaker for one account. Closed: calls go through and consecutive failures are
 * counted. Open: calls fail fast until the cool-down ends. Half-open: exactly one probe goes;
 * its success closes the breaker, its failure opens it again. Only failures that say the vendor
 * is unwell count (no answer, 5xx); a 4xx is the caller's problem and a 429 has its own handling.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly onChange: (state: BreakerState) => void = () => undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  /** GO or PROBE when the call may go; otherwise ms until the next probe (always > 0). */
  admit(): number {
    if (this.state === 'closed') return GO;
    const left = this.openedAt + this.settings.cooldownMs - this.clock();
    if (this.state === 'open' && left > 0) return left;
    if (this.probing) return Math.max(left, 1_000);
    if (this.state !== 'half_open') this.set('half_open');
    this.probing = true;
    return PROBE;
  }

  /**
   * Asked again, just before sending, by a call admit() let go that then waited (for a concurrency
   * slot, the rate budget): GO while the breaker is still closed, or for the probe; otherwise ms
   * until the next probe. The calls queued behind the failures that opened it are stopped too,
   * rather than sent to a vendor already judged unwell.
   */
  stillAdmits(probe: boolean): number {
    if (probe || this.state === 'closed') return GO;
    return Math.max(this.openedAt + this.settings.cooldownMs - this.clock(), 1_000);
  }

  /**
   * The verdicts take `probe`: whether admit() made this call the probe. Only the probe's own
   * ending lets another go; calls admitted before the breaker opened may end at any time, and once
   * it is open their verdicts are stale: a late success does not close it (the probe decides) and a
   * late failure does not restart its cool-down.
   */
  success(probe: boolean): void {
    if (probe) this.probing = false;
    else if (this.state !== 'closed') return;
    this.failures = 0;
    if (this.state !== 'closed') this.set('closed');
  }

  failure(probe: boolean): void {
    if (probe) this.probing = false;
    else if (this.state !== 'closed') return;
    this.failures++;
    if (this.state === 'half_open' || this.failures >= this.settings.failureThreshold) {
      this.openedAt = this.clock();
      if (this.state !== 'open') this.set('open');
    }
  }

  /** The call ended without telling us anything about the vendor's health (e.g. cancelled). */
  neutral(probe: boolean): void {
    if (probe) this.probing = false;
  }

  get current(): BreakerState {
    return this.state;
  }

  private set(state: BreakerState) {
    this.state = state;
    this.onChange(state);
  }
}
