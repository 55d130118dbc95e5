import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { overloaded } from './refusal.js';
import { LoggedResponse, requestIdOf } from './observability/request-log.js';
import { onRequestEnd } from './request-end.js';

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
/**
 * Share of time in GC pauses above which requests running at once cost more than they bring, and
 * below which more of them are harmless. Measured on the benchmark (bench/README.md): a light
 * request (one upstream GET) spends ~5% in GC at any limit and runs cheapest with many at once
 * (batched I/O); an inventory (65 upstream answers) spends 9% at 4 at once, 19% at 8, 24% unlimited.
 */
const GC_HIGH = 0.1;
const GC_LOW = 0.06;
const INTERVAL_MS = 100;

/**
 * The adaptive part: one step per interval from how busy the event loop was and how much of that
 * was garbage collection. Requests that hold much data for long (a fan-out's upstream answers)
 * only interleave on a saturated loop, and each one living longer means its data survives more
 * collections: when GC takes a large share of a saturated loop, the limit shrinks toward what was
 * actually running. It grows while requests wait and either the loop has room (they wait on
 * upstream I/O) or GC stays cheap (light requests, which run cheapest many at once).
 */
export class AdaptiveLimit {
  constructor(
    private readonly min: number,
    private readonly max: number,
    public value: number = max,
  ) {}

  /** `peak`: most requests running at once during the interval; `queued`: whether any waited. */
  step(utilization: number, gcShare: number, peak: number, queued: boolean): number {
    if (utilization >= SATURATED && gcShare >= GC_HIGH) this.value = Math.max(this.min, Math.floor(Math.min(this.value, peak) * 0.8));
    else if (queued && (utilization < ROOM || gcShare < GC_LOW)) this.value = Math.min(this.max, this.value + Math.max(1, Math.ceil(this.value * 0.2)));
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
 * arrival order, their bodies read (src/request-body.ts) but not parsed. Under CPU saturation with heavy
 * requests this keeps throughput up and memory flat instead of letting every request slow down
 * every other one; while the loop has room (upstream latency dominates) or requests are light, the
 * limit stays out of the way.
 */
export class Admission {
  private readonly limit: AdaptiveLimit;
  private running = 0;
  private queue: Waiting[] = [];
  private head = 0;
  private peak = 0;
  private queuedSinceStep = false;
  private lastElu = performance.eventLoopUtilization();
  /** GC pause time since the last step, and its share of the time, smoothed over steps. */
  private gcMs = 0;
  private gcShare = 0;
  private readonly gcObserver: PerformanceObserver | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  /** Refuses waiters as their maxWaitMs passes, rather than when a slot frees up. */
  private expiry: NodeJS.Timeout | undefined;
  private next: Handler = () => undefined;
  /** Requests refused because the queue was full or they waited too long. */
  shed = 0;

  constructor(
    private readonly settings: AdmissionSettings,
    private readonly clock: () => number = performance.now.bind(performance),
  ) {
    this.limit = new AdaptiveLimit(settings.min, settings.max);
    if (settings.adaptive && settings.min < settings.max) {
      this.gcObserver = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) this.gcMs += entry.duration;
      });
      this.gcObserver.observe({ entryTypes: ['gc'] });
      this.timer = setInterval(() => this.step(), INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** The limit now (the requests running are `active`). */
  get limitNow(): number {
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
      this.queue.push({ req, res, since: arrivedAt(res) ?? this.clock() });
      this.queuedSinceStep = true;
      this.drain();
    };
  }

  close(): void {
    clearInterval(this.timer);
    clearTimeout(this.expiry);
    this.gcObserver?.disconnect();
  }

  /** One adaptive step from the event loop's utilisation and GC share since the last one (tests pass both). */
  step(utilization?: number, gcShare?: number): void {
    const elu = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(elu, this.lastElu);
    this.lastElu = elu;
    const u = utilization ?? since.utilization;
    // One scavenge more or less moves a 100 ms window's share by several points: smooth it.
    this.gcShare = gcShare ?? 0.7 * this.gcShare + 0.3 * Math.min(1, this.gcMs / Math.max(1, since.idle + since.active));
    this.gcMs = 0;
    this.limit.step(u, this.gcShare, this.peak, this.queuedSinceStep || this.waiting > 0);
    this.peak = this.running;
    this.queuedSinceStep = false;
    this.drain();
  }

  private start(req: IncomingMessage, res: ServerResponse): void {
    this.running++;
    if (this.running > this.peak) this.peak = this.running;
    // Follows both a finished response and a client that went away, once nothing it started runs.
    onRequestEnd(res, () => {
      this.running--;
      this.drain();
    });
    this.next(req, res);
  }

  private drain(): void {
    while (this.running < this.limit.value && this.waiting > 0) {
      const w = this.shift();
      if (gone(w)) continue;
      if (this.clock() - w.since >= this.settings.maxWaitMs) this.refuse(w.res);
      else this.start(w.req, w.res);
    }
    this.expireLater();
  }

  /** Arms one timer for the oldest waiter's maxWaitMs; arrival order makes it the first to expire. */
  private expireLater(): void {
    if (this.expiry !== undefined || this.waiting === 0) return;
    const dueIn = this.queue[this.head]!.since + this.settings.maxWaitMs - this.clock();
    this.expiry = setTimeout(() => {
      this.expiry = undefined;
      while (this.waiting > 0 && this.clock() - this.queue[this.head]!.since >= this.settings.maxWaitMs) {
        const w = this.shift();
        if (!gone(w)) this.refuse(w.res);
      }
      this.expireLater();
    }, Math.max(0, dueIn));
    this.expiry.unref();
  }

  private shift(): Waiting {
    const w = this.queue[this.head]!;
    this.queue[this.head++] = undefined as never;
    // Drop the consumed front now and then rather than shifting the array on every start.
    if (this.head === this.queue.length || (this.head > 1024 && this.head * 2 > this.queue.length)) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return w;
  }

  private refuse(res: ServerResponse): void {
    this.shed++;
    const { body, headers } = overloaded(requestIdOf(res), res.req.headers.accept);
    res.writeHead(503, headers);
    res.end(body);
  }
}

/**
 * When the request arrived, for the gateway's own responses (on the default clock): `maxWaitMs`
 * counts from then, so a body that took long leaves that much less to wait, and no request starts
 * after its deadline (the request timeout caps `maxWaitMs`) has passed.
 */
function arrivedAt(res: ServerResponse): number | undefined {
  return res instanceof LoggedResponse ? res.arrived : undefined;
}

/** A client that left while waiting needs nothing more, not even a refusal. */
function gone(w: Waiting): boolean {
  return w.res.destroyed || w.req.socket.destroyed;
}
