import { describe, expect, it } from 'vitest';
import { RetryBudget, WINDOW_SECONDS } from '../../src/resilience/retry-budget.js';

/** A budget on a clock the test moves. */
function budget(ratio: number, minPerSecond: number) {
  let now = 1_000_000_000_000;
  const b = new RetryBudget(ratio, minPerSecond, () => now);
  const takeAll = () => {
    let n = 0;
    while (b.takeRetry()) n++;
    return n;
  };
  return { b, takeAll, advance: (ms: number) => (now += ms) };
}

describe('RetryBudget', () => {
  it('allows minPerSecond retries per second of its window when no call was made', () => {
    expect(budget(0.2, 10).takeAll()).toBe(10 * WINDOW_SECONDS);
  });

  it('allows the ratio of the calls made on top of the reserve', () => {
    const { b, takeAll } = budget(0.2, 0);
    for (let i = 0; i < 50; i++) b.called();
    expect(takeAll()).toBe(10);
  });

  it('allows no retry at all with neither a ratio nor a reserve', () => {
    const { b, takeAll } = budget(0, 0);
    for (let i = 0; i < 50; i++) b.called();
    expect(takeAll()).toBe(0);
  });

  it('forgets calls and retries once they leave the window', () => {
    const { b, takeAll, advance } = budget(1, 0);
    for (let i = 0; i < 5; i++) b.called();
    expect(takeAll()).toBe(5);
    advance((WINDOW_SECONDS - 1) * 1000);
    // Still in the window: the calls and the retries they paid for both count.
    b.called();
    expect(takeAll()).toBe(1);
    advance(1000);
    // The first five calls and their five retries are gone; the sixth call and its retry remain.
    expect(takeAll()).toBe(0);
    b.called();
    expect(takeAll()).toBe(1);
  });

  it('starts afresh after a pause longer than its window', () => {
    const { b, takeAll, advance } = budget(0, 1);
    expect(takeAll()).toBe(WINDOW_SECONDS);
    advance(3_600_000);
    expect(takeAll()).toBe(WINDOW_SECONDS);
    b.called();
  });

  it('keeps counting in its newest second when the clock steps back', () => {
    const { b, takeAll, advance } = budget(1, 0);
    b.called();
    advance(-5_000);
    b.called();
    expect(takeAll()).toBe(2);
  });
});
