import { describe, expect, it } from 'vitest';
import { SecondWindow } from '../../src/sim/rate-window.js';

describe('SecondWindow', () => {
  it('lets `limit` requests through in one second and refuses the next', () => {
    const window = new SecondWindow(() => 5_000_250);
    const counts = [1, 2, 3].map(() => window.take(2));
    expect(counts.map((c) => c.over)).toEqual([false, false, true]);
    expect(counts.map((c) => c.remaining)).toEqual([1, 0, 0]);
  });

  it('refills when the next second starts and says when that is', () => {
    let now = 5_000_250;
    const window = new SecondWindow(() => now);
    window.take(1);
    expect(window.take(1)).toEqual({ over: true, remaining: 0, resetSecond: 5001, msLeft: 750 });
    now = 5_001_000;
    expect(window.take(1)).toMatchObject({ over: false, resetSecond: 5002, msLeft: 1000 });
  });
});
