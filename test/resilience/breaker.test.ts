import { describe, expect, it } from 'vitest';
import { CircuitBreaker, GO, PROBE, type BreakerState } from '../../src/resilience/breaker.js';

function breaker() {
  let now = 0;
  const changes: BreakerState[] = [];
  const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000 }, (s) => changes.push(s), () => now);
  return { b, changes, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('stays closed below the failure threshold and resets the count on success', () => {
    const { b } = breaker();
    b.failure(false);
    b.failure(false);
    b.success(false);
    b.failure(false);
    b.failure(false);
    expect(b.current).toBe('closed');
    expect(b.admit()).toBe(GO);
  });

  it('opens after consecutive failures and fails fast for the cool-down', () => {
    const { b, changes, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure(false);
    expect(changes).toEqual(['open']);
    expect(b.admit()).toBe(1_000);
    advance(400);
    expect(b.admit()).toBe(600);
  });

  it('lets exactly one probe through after the cool-down; its success closes the breaker', () => {
    const { b, changes, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure(false);
    advance(1_000);
    expect(b.admit()).toBe(PROBE);
    expect(b.admit()).toBeGreaterThan(0); // others still wait
    b.success(true);
    expect(b.current).toBe('closed');
    expect(b.admit()).toBe(GO);
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('opens again when the probe fails', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure(false);
    advance(1_000);
    expect(b.admit()).toBe(PROBE);
    b.failure(true);
    expect(b.current).toBe('open');
    expect(b.admit()).toBe(1_000);
  });

  it('lets a new probe go when the previous one ended without a verdict', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure(false);
    advance(1_000);
    expect(b.admit()).toBe(PROBE);
    b.neutral(true);
    expect(b.admit()).toBe(PROBE);
  });

  it('lets no second probe go when a call admitted before the breaker opened ends while the probe is out (cancelled, or failed)', () => {
    for (const verdict of ['neutral', 'failure'] as const) {
      const { b, advance } = breaker();
      expect(b.admit()).toBe(GO); // a call admitted while closed, still waiting (for a slot, an answer)
      for (let i = 0; i < 3; i++) b.failure(false);
      advance(1_000);
      expect(b.admit()).toBe(PROBE);
      b[verdict](false); // the early call ends
      expect(b.admit(), verdict).toBeGreaterThan(0);
      // Only the probe's own end lets the next one go, at once: the early failure began no new cool-down.
      b.neutral(true);
      expect(b.admit(), verdict).toBe(PROBE);
    }
  });

  it('stays open when a call admitted before it opened succeeds late: the probe decides, after the cool-down', () => {
    const { b, changes, advance } = breaker();
    expect(b.admit()).toBe(GO); // a slow call, admitted while closed
    for (let i = 0; i < 3; i++) b.failure(false);
    advance(400);
    b.success(false); // the slow call's answer arrives
    expect(b.current).toBe('open');
    expect(b.admit()).toBe(600);
    advance(600);
    expect(b.admit()).toBe(PROBE);
    b.success(false); // another early call, while the probe is out
    expect(b.current).toBe('half_open');
    b.success(true);
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('does not restart the cool-down for a call admitted before it opened that fails late', () => {
    const { b, advance } = breaker();
    expect(b.admit()).toBe(GO);
    for (let i = 0; i < 3; i++) b.failure(false);
    advance(800);
    b.failure(false); // the early call fails late
    expect(b.admit()).toBe(200);
    advance(200);
    expect(b.admit()).toBe(PROBE);
  });

  it('counts failures from zero again once the probe has closed it', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure(false);
    advance(1_000);
    expect(b.admit()).toBe(PROBE);
    b.success(true);
    b.failure(false);
    b.failure(false);
    expect(b.current).toBe('closed');
    b.failure(false);
    expect(b.current).toBe('open');
  });

  it('stops a call admitted while closed, which waited meanwhile, once the breaker has opened; the probe still goes', () => {
    const { b, advance } = breaker();
    expect(b.admit()).toBe(GO); // then it waits for a slot
    expect(b.stillAdmits(false)).toBe(GO);
    for (let i = 0; i < 3; i++) b.failure(false);
    expect(b.stillAdmits(false)).toBe(1_000);
    advance(1_000);
    expect(b.admit()).toBe(PROBE);
    expect(b.stillAdmits(true)).toBe(GO);
    expect(b.stillAdmits(false)).toBeGreaterThan(0);
    b.success(true);
    expect(b.stillAdmits(false)).toBe(GO);
  });
});
