import { setMaxListeners } from 'node:events';

/** Something in flight that can be told to stop. */
export interface Cancellable {
  cancel(reason: unknown): void;
}

/**
 * Stops all of its members at once: a request's upstream exchanges when the client goes away or
 * the deadline passes. A fan-out registers hundreds of exchanges; a Set entry each costs far less
 * than an AbortSignal listener each, and the group needs no AbortController at all (Node takes
 * ~10 µs to build one) unless something asks it for a signal.
 */
export class CancelGroup {
  private readonly members = new Set<Cancellable>();
  private stopped: { reason: unknown } | null = null;
  private signal: AbortSignal | undefined;

  get cancelled(): boolean {
    return this.stopped !== null;
  }

  /** Why it was cancelled (undefined while it is not). */
  get reason(): unknown {
    return this.stopped?.reason;
  }

  /** Adds a member to be cancelled with the group; false, and not added, when that already happened. */
  add(member: Cancellable): boolean {
    if (this.stopped) return false;
    this.members.add(member);
    return true;
  }

  /** The member finished: nothing left to cancel. */
  delete(member: Cancellable): void {
    this.members.delete(member);
  }

  cancel(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = { reason };
    const members = [...this.members];
    this.members.clear();
    for (const m of members) m.cancel(reason);
  }

  /** An AbortSignal that aborts with the group, for APIs that take one (built once, on first use). */
  toSignal(): AbortSignal {
    if (!this.signal) {
      const controller = new AbortController();
      // Every call of a fan-out may wait on it at once (rate budget, token, retry): as many as the
      // request has owners, with no bound to warn at. Each wait removes its listener when it ends.
      setMaxListeners(0, controller.signal);
      if (this.stopped) controller.abort(this.stopped.reason);
      else this.add({ cancel: (reason) => controller.abort(reason) });
      this.signal = controller.signal;
    }
    return this.signal;
  }

  /** The group cancelled when `signal` aborts (one per signal), for callers that hold only a signal. */
  static of(signal: AbortSignal): CancelGroup {
    let group = bySignal.get(signal);
    if (!group) {
      const g = (group = new CancelGroup());
      g.signal = signal;
      if (signal.aborted) g.cancel(signal.reason);
      else signal.addEventListener('abort', () => g.cancel(signal.reason), { once: true });
      bySignal.set(signal, g);
    }
    return group;
  }
}

const bySignal = new WeakMap<AbortSignal, CancelGroup>();
