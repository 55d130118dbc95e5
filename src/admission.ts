import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface AdmissionSettings {
  /** Adjust the limit to the event loop's load; false keeps it at `max`. */
  adaptive: boolean;
  /** The adaptive limit never goes below this. */
  min: number;
  /** Never more GraphQL requests at once than this. */
  max: number;
  /** Requests waiting beyond this many are refused (503) at once. */
  maxQueued: number;
  /** A request that waited this long is refused (503) instead of starting late. */
  maxWaitMs: number;
}

/** Event-loop utilisation (busy share, 0–1) at which the loop counts as saturated, or as having room. */
const SATURATED = 0.9;
const ROOM = 0.8;
const INTERVAL_MS = 100;

/**
 * The adaptive part: one step per interval from how busy the event loop was. A saturated loop
 * gains nothing from more requests at once — they only interleave, each living longer and holding
 * its upstream data through more garbage collections — so the limit shrinks toward what was
 * actually running. A loop with room while requests waited means the limit held back work the
 * process could do (requests waiting on upstream I/O), so it grows.
 */
export class AdaptiveLimit {
  constructor(
    private readonly min: number,
    private readonly max: number,
    public value: number = max,
  ) {}

  /** `peak`: most requests running at once during the interval; `queued`: whether any waited. */
  step(utilization: number, peak: number, queued: boolean): number {
    if (utilization >= SATURATED) this.value = Math.max(this.min, Math.floor(Math.min(this.value, peak) * 0.8));
    else if (utilization < ROOM && queued) this.value = Math.min(this.max, this.value + Math.max(1, Math.ceil(this.value * 0.2)));
    return this.value;
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Waiting {
  req: IncomingMessage;
  res: ServerResponse;
  since: number;
}

/**
 * Admission control in front of GraphQL: at most `limit` requests run at once, the rest wait in
 * arrival order before anything of theirs is read or parsed. Under CPU saturation this keeps
 * throughput up and memory flat instead of letting every request slow down every other one;
 * while the loop has room (upstream latency dominates), the limit stays out of the way.
 */
export class Admission {
  private readonly limit: AdaptiveLimit;
  private running = 0;
  private queue: Waiting[] = [];
  private head = 0;
  private peak = 0;
  private queuedSinceStep = false;
  private lastElu = performance.eventLoopUtilization();
  private readonly timer: NodeJS.Timeout | undefined;
  private next: Handler = () => undefined;
  /** Requests refused because the queue was full or they waited too long. */
  shed = 0;

  constructor(
    private readonly settings: AdmissionSettings,
    private readonly clock: () => number = performance.now.bind(performance),
  ) {
    this.limit = new AdaptiveLimit(settings.min, settings.max);
    if (settings.adaptive && settings.min < settings.max) {
      this.timer = setInterval(() => this.step(), INTERVAL_MS);
      this.timer.unref();
    }
  }

  get current(): number {
    return this.limit.value;
  }

  get waiting(): number {
    return this.queue.length - this.head;
  }

  get active(): number {
    return this.running;
  }

  /** Wraps the GraphQL handler (one per Admission): runs a request now, queues it, or refuses it with 503. */
  handler(next: Handler): Handler {
    this.next = next;
    return (req, res) => {
      if (this.running < this.limit.value && this.waiting === 0) return this.start(req, res);
      if (this.waiting >= this.settings.maxQueued) return this.refuse(res);
      this.queue.push({ req, res, since: this.clock() });
      this.queuedSinceStep = true;
      this.drain();
    };
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** One adaptive step from the event loop's utilisation since the last one. */
  step(utilization?: number): void {
    const elu = performance.eventLoopUtilization();
    const u = utilization ?? performance.eventLoopUtilization(elu, this.lastElu).utilization;
    this.lastElu = elu;
    this.limit.step(u, this.peak, this.queuedSinceStep || this.waiting > 0);
    this.peak = this.running;
    this.queuedSinceStep = false;
    this.drain();
  }

  private start(req: IncomingMessage, res: ServerResponse): void {
    this.running++;
    if (this.running > this.peak) this.peak = this.running;
    // 'close' follows both a finished response and a client that went away.
    res.once('close', () => {
      this.running--;
      this.drain();
    });
    this.next(req, res);
  }

  private drain(): void {
    while (this.running < this.limit.value && this.waiting > 0) {
      const w = this.queue[this.head]!;
      this.queue[this.head++] = undefined as never;
      // Drop the consumed front now and then rather than shifting the array on every start.
      if (this.head === this.queue.length || (this.head > 1024 && this.head * 2 > this.queue.length)) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      // A client that left while waiting needs nothing more.
      if (w.res.destroyed || w.req.socket.destroyed) continue;
      if (this.clock() - w.since > this.settings.maxWaitMs) this.refuse(w.res);
      else this.start(w.req, w.res);
    }
  }

  private refuse(res: ServerResponse): void {
    this.shed++;
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ errors: [{ message: 'the gateway is overloaded; retry shortly', extensions: { code: 'OVERLOADED' } }] }));
  }
}
