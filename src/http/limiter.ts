/** A counting semaphore: at most `limit` calls in flight per account; the rest queue in order. */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit: number) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) {
      this.active++;
      return this.holding(fn);
    }
    return new Promise<void>((resolve) => this.queue.push(resolve)).then(() => this.holding(fn));
  }

  /** Runs `fn` in a slot already taken; the slot passes straight to the next in line, so none can jump the queue. */
  private holding<T>(fn: () => Promise<T>): Promise<T> {
    return fn().then(
      (value) => {
        this.release();
        return value;
      },
      (err: unknown) => {
        this.release();
        throw err;
      },
    );
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }
}
