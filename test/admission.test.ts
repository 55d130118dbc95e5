import { EventEmitter } from 'node:events';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdaptiveLimit, Admission, type AdmissionSettings } from '../src/admission.js';

describe('AdaptiveLimit', () => {
  it('shrinks toward the requests that were running while a saturated loop spends much of its time in GC, down to min', () => {
    const limit = new AdaptiveLimit(4, 256);
    expect(limit.step(0.99, 0.2, 32, true)).toBe(25);
    expect(limit.step(0.99, 0.2, 25, true)).toBe(20);
    for (let i = 0; i < 20; i++) limit.step(0.99, 0.2, limit.value, true);
    expect(limit.value).toBe(4);
  });

  it('grows while requests wait and the loop has room, up to max', () => {
    const limit = new AdaptiveLimit(4, 8, 4);
    expect(limit.step(0.5, 0.2, 4, true)).toBe(5);
    expect(limit.step(0.5, 0.2, 5, true)).toBe(6);
    for (let i = 0; i < 10; i++) limit.step(0.3, 0.2, limit.value, true);
    expect(limit.value).toBe(8);
  });

  it('grows while requests wait on a saturated loop whose GC stays cheap: light requests run cheapest many at once', () => {
    const limit = new AdaptiveLimit(4, 256, 4);
    expect(limit.step(0.99, 0.04, 4, true)).toBe(5);
    for (let i = 0; i < 40; i++) limit.step(0.99, 0.04, limit.value, true);
    expect(limit.value).toBe(256);
  });

  it('holds when nothing waited, or when GC takes a middling share of a busy loop', () => {
    const limit = new AdaptiveLimit(4, 256, 10);
    expect(limit.step(0.2, 0, 3, false)).toBe(10);
    expect(limit.step(0.99, 0.04, 10, false)).toBe(10);
    expect(limit.step(0.85, 0.08, 10, true)).toBe(10);
    expect(limit.step(0.99, 0.08, 10, true)).toBe(10);
  });
});

/** A request/response pair with just what Admission touches. */
function exchange() {
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    status: 0,
    body: '',
    writeHead(status: number) {
      this.status = status;
      return this;
    },
    end(body: string) {
      this.body = body;
    },
  });
  const req = { socket: { destroyed: false }, headers: { 'x-request-id': 'req-1' } };
  // Given its socket, as every response but a pipelined one is from the start.
  Object.assign(res, { req, socket: req.socket });
  return { req: req as unknown as IncomingMessage, res: res as unknown as ServerResponse & typeof res };
}

const fixed = (over: Partial<AdmissionSettings> = {}): AdmissionSettings => ({ adaptive: false, min: 2, max: 2, maxQueued: 10, maxWaitMs: 60_000, ...over });
const adaptive = (): AdmissionSettings => fixed({ adaptive: true, min: 1, max: 4 });

describe('Admission', () => {
  const admissions: Admission[] = [];
  const make = (settings: AdmissionSettings, clock?: () => number) => {
    const a = new Admission(settings, clock);
    admissions.push(a);
    return a;
  };
  afterEach(() => admissions.splice(0).forEach((a) => a.close()));

  it('runs requests up to the limit and starts the rest in arrival order as others finish', () => {
    const admission = make(fixed());
    const started: number[] = [];
    const all = [0, 1, 2, 3].map(() => exchange());
    const handler = admission.handler((req) => started.push(all.findIndex((x) => x.req === req)));
    for (const x of all) handler(x.req, x.res);
    expect(started).toEqual([0, 1]);
    expect(admission.waiting).toBe(2);
    all[1]!.res.emit('close');
    expect(started).toEqual([0, 1, 2]);
    all[0]!.res.emit('close');
    expect(started).toEqual([0, 1, 2, 3]);
    expect(admission.active).toBe(2);
  });

  it('skips a waiting request whose client went away', () => {
    const admission = make(fixed({ max: 1, min: 1 }));
    const started: IncomingMessage[] = [];
    const [a, gone, c] = [exchange(), exchange(), exchange()];
    const handler = admission.handler((req) => started.push(req));
    for (const x of [a, gone, c]) handler(x.req, x.res);
    gone.res.destroyed = true;
    a.res.emit('close');
    expect(started).toEqual([a.req, c.req]);
    expect(gone.res.status).toBe(0);
  });

  it('refuses with 503 OVERLOADED when the queue is full, without starting the request', () => {
    const admission = make(fixed({ max: 1, min: 1, maxQueued: 0 }));
    const started: IncomingMessage[] = [];
    const [a, b] = [exchange(), exchange()];
    const handler = admission.handler((req) => started.push(req));
    handler(a.req, a.res);
    handler(b.req, b.res);
    expect(started).toEqual([a.req]);
    expect(b.res.status).toBe(503);
    expect(JSON.parse(b.res.body).errors[0].extensions).toEqual({ code: 'OVERLOADED', requestId: 'req-1' });
    expect(admission.shed).toBe(1);
  });

  it('refuses a request that waited longer than maxWaitMs instead of starting it late', () => {
    let now = 0;
    const admission = make(fixed({ max: 1, min: 1, maxWaitMs: 1_000 }), () => now);
    const started: IncomingMessage[] = [];
    const [a, late] = [exchange(), exchange()];
    const handler = admission.handler((req) => started.push(req));
    handler(a.req, a.res);
    handler(late.req, late.res);
    now = 1_500;
    a.res.emit('close');
    expect(started).toEqual([a.req]);
    expect(late.res.status).toBe(503);
  });

  it('refuses a waiting request once maxWaitMs has passed, while the running one still runs', () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const admission = make(fixed({ max: 1, min: 1, maxWaitMs: 1_000 }), () => now);
      const [a, late, later] = [exchange(), exchange(), exchange()];
      const handler = admission.handler(() => undefined);
      handler(a.req, a.res);
      handler(late.req, late.res);
      now = 500;
      handler(later.req, later.res);
      now = 1_001;
      vi.advanceTimersByTime(1_001);
      expect([late.res.status, later.res.status]).toEqual([503, 0]);
      now = 1_501;
      vi.advanceTimersByTime(500);
      expect(later.res.status).toBe(503);
      expect(admission.waiting).toBe(0);
      expect(admission.active).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('narrows the limit under a saturated loop and lets waiting requests through as it grows back', () => {
    const admission = make(adaptive());
    const started: IncomingMessage[] = [];
    const handler = admission.handler((req) => started.push(req));
    const all = Array.from({ length: 6 }, () => exchange());
    for (const x of all) handler(x.req, x.res);
    expect(started).toHaveLength(4);
    admission.step(0.99, 0.3); // saturated, a third of it in GC, with 4 running: 4 × 0.8
    expect(admission.limitNow).toBe(3);
    all[0]!.res.emit('close');
    all[1]!.res.emit('close');
    expect(started).toHaveLength(5); // 2 running + 1 started: at the limit of 3
    admission.step(0.4, 0.3); // room, and a request waits: the limit grows and it starts at once
    expect(admission.limitNow).toBe(4);
    expect(started).toHaveLength(6);
  });

  it('measures the GC share itself: full collections on a saturated loop narrow the limit, and nothing else does', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // Only this test steps the admissions: their own 100 ms steps would, on a loaded machine, take
    // the collections below into the quiet one, or into the busy one before its step.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const quiet = make(adaptive());
    const busy = make(adaptive());
    for (const admission of [quiet, busy]) {
      const handler = admission.handler(() => undefined);
      for (let i = 0; i < 4; i++) handler(exchange().req, exchange().res);
    }
    quiet.step(0.99);
    // GC entries reach observers asynchronously, to every observer in the same dispatch: once this
    // one has seen an entry per collection, so has the admission's.
    let seen = 0;
    const observer = new PerformanceObserver((list) => void (seen += list.getEntries().length));
    observer.observe({ entryTypes: ['gc'] });
    let collections = 0;
    try {
      // Long enough that GC stays a large share of busy's window however slowly the entries arrive.
      for (const until = performance.now() + 200; performance.now() < until; collections++) gc();
      // Not vi.waitFor: under fake timers it advances them, and so would run the admissions' steps.
      for (const until = performance.now() + 2_000; seen < collections && performance.now() < until; ) await new Promise((r) => setTimeout(r, 1));
      expect(seen).toBeGreaterThanOrEqual(collections);
    } finally {
      observer.disconnect();
      vi.useRealTimers();
    }
    busy.step(0.99);
    expect(quiet.limitNow).toBe(4);
    expect(busy.limitNow).toBe(3);
  });
});
