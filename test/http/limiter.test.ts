import { describe, expect, it } from 'vitest';
import { CancelGroup } from '../../src/http/cancel-group.js';
import { Limiter } from '../../src/http/limiter.js';

/** A call that finishes when the test says so. */
function gate() {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { done, open, fail };
}
const ticks = () => new Promise((r) => setImmediate(r));

/** Runs `fn` in a slot the way the HTTP client's exchange does: acquire (maybe wait), call, release. */
async function inSlot<T>(limiter: Limiter, fn: () => Promise<T>, group?: CancelGroup): Promise<T> {
  const queued = limiter.acquire(group);
  if (queued) await queued;
  try {
    return await fn();
  } finally {
    limiter.release();
  }
}

describe('Limiter', () => {
  it('runs at most `limit` calls at once and starts the rest in arrival order', async () => {
    const limiter = new Limiter(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) => inSlot(limiter, () => (started.push(i), g.done)));
    await ticks();
    expect(started).toEqual([0, 1]);
    gates[1]!.open();
    await ticks();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.open();
    await ticks();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2]!.open();
    gates[3]!.open();
    await Promise.all(runs);
  });

  it('frees the slot of a failed call and passes its error on', async () => {
    const limiter = new Limiter(1);
    const failing = gate();
    const first = inSlot(limiter, () => failing.done);
    const second = inSlot(limiter, async () => 'second ran');
    failing.fail(new Error('upstream down'));
    await expect(first).rejects.toThrow('upstream down');
    await expect(second).resolves.toBe('second ran');
  });

  it('lets no newcomer take a slot that is being handed to a queued call', async () => {
    const limiter = new Limiter(1);
    const g = gate();
    let running = 0;
    let most = 0;
    const call = async () => {
      most = Math.max(most, ++running);
      await ticks();
      running--;
    };
    const first = inSlot(limiter, () => g.done);
    const queued = inSlot(limiter, call);
    g.open();
    await first;
    // The slot is on its way to `queued`; a call arriving now must wait behind it.
    const late = inSlot(limiter, call);
    await Promise.all([queued, late]);
    expect(most).toBe(1);
  });

  it('lets a waiter whose request is cancelled leave the line at once, taking no slot', async () => {
    const limiter = new Limiter(1);
    const busy = gate();
    const first = inSlot(limiter, () => busy.done);
    const group = new CancelGroup();
    const started: string[] = [];
    const cancelled = inSlot(limiter, async () => void started.push('cancelled one'), group);
    const next = inSlot(limiter, async () => void started.push('next'));
    group.cancel(new Error('deadline'));
    await expect(cancelled).rejects.toThrow('deadline');
    expect(started).toEqual([]);
    busy.open();
    await first;
    await next;
    // The slot went to the next in line; the cancelled waiter never ran.
    expect(started).toEqual(['next']);
  });

  it('refuses at once to queue for a request already cancelled', async () => {
    const limiter = new Limiter(1);
    const busy = gate();
    const first = inSlot(limiter, () => busy.done);
    const group = new CancelGroup();
    group.cancel(new Error('gone'));
    await expect(inSlot(limiter, async () => 'ran', group)).rejects.toThrow('gone');
    busy.open();
    await first;
    await expect(inSlot(limiter, async () => 'ran')).resolves.toBe('ran');
  });
});
