import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../../src/resilience/breaker.js';

function breaker() {
  let now = 0;
  const changes: BreakerState[] = [];
  const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000 }, (s) => changes.push(s), () => now);
  return { b, changes, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('stays closed below the failure threshold and resets the count on success', () => {
    const { b } = breaker();
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.current).toBe('closed');
    expect(b.admit()).toBeNull();
  });

  it('opens after consecutive failures and fails fast for the cool-down', () => {
    const { b, changes, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    expect(changes).toEqual(['open']);
    expect(b.admit()).toBe(1_000);
    advance(400);
    expect(b.admit()).toBe(600);
  });

  it('lets exactly one probe through after the cool-down; its success closes the breaker', () => {
    const { b, changes, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    advance(1_000);
    expect(b.admit()).toBeNull(); // the probe
    expect(b.admit()).not.toBeNull(); // others still wait
    b.success();
    expect(b.current).toBe('closed');
    expect(b.admit()).toBeNull();
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('opens again when the probe fails', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    advance(1_000);
    b.admit();
    b.failure();
    expect(b.current).toBe('open');
    expect(b.admit()).toBe(1_000);
  });

  it('lets a new probe go when the previous one ended without a verdict', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    advance(1_000);
    b.admit();
    b.neutral();
    expect(b.admit()).toBeNull();
  });
});
