import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isRetryable, retryDelayMs, sleep } from '../../src/resilience/retry.js';

const settings = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('isRetryable', () => {
  it.each([
    [null, true],
    [429, true],
    [502, true],
    [503, true],
    [504, true],
    [500, false],
    [400, false],
    [404, false],
  ])('repeats an idempotent call that got %s: %s', (status, expected) => {
    expect(isRetryable(status, true)).toBe(expected);
  });

  it('never repeats a non-idempotent call, whatever happened', () => {
    for (const status of [null, 429, 502, 503, 504]) expect(isRetryable(status, false)).toBe(false);
  });
});

describe('retryDelayMs', () => {
  it('waits what the vendor asked for, plus a little jitter', () => {
    expect(retryDelayMs(0, 2, settings, () => 0)).toBe(2_000);
    expect(retryDelayMs(0, 2, settings, () => 0.99)).toBe(2_099);
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(retryDelayMs(0, null, settings, () => 0.999)).toBe(99);
    expect(retryDelayMs(2, null, settings, () => 0.999)).toBe(399);
    expect(retryDelayMs(10, null, settings, () => 0.999)).toBe(999);
    expect(retryDelayMs(3, null, settings, () => 0)).toBe(0);
  });
});

describe('sleep', () => {
  it('rejects at once when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal);
    controller.abort(new Error('gone'));
    await expect(pending).rejects.toThrow('gone');
  });

  it('rejects at once when its signal had already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone before'));
    await expect(sleep(60_000, controller.signal)).rejects.toThrow('gone before');
  });

  it('leaves no abort listener on its signal once the wait is over (a request’s signal sees one wait per retry)', async () => {
    const controller = new AbortController();
    await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
