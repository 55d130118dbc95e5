import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from '../../src/http/retry-after.js';

const now = Date.parse('2026-01-01T00:00:00Z');

describe('retryAfterSeconds', () => {
  it('reads Retry-After in seconds', () => expect(retryAfterSeconds({ 'retry-after': '12' }, now)).toBe(12));
  it('reads Retry-After in fractional seconds, rounded up, not as a date in 2001', () => expect(retryAfterSeconds({ 'retry-after': '1.5' }, now)).toBe(2));
  it('reads Retry-After as an HTTP date', () =>
    expect(retryAfterSeconds({ 'retry-after': new Date(now + 30_000).toUTCString() }, now)).toBe(30));
  it('reads X-RateLimit-Reset as epoch seconds, not a delta', () =>
    expect(retryAfterSeconds({ 'x-ratelimit-reset': String(now / 1000 + 5) }, now)).toBe(5));
  it('prefers Retry-After over X-RateLimit-Reset', () =>
    expect(retryAfterSeconds({ 'retry-after': '3', 'x-ratelimit-reset': String(now / 1000 + 50) }, now)).toBe(3));
  it('reads retry-after-ms, rounded up to whole seconds', () => expect(retryAfterSeconds({ 'retry-after-ms': '1500' }, now)).toBe(2));
  it('prefers retry-after-ms over Retry-After, as the Stainless SDKs do', () =>
    expect(retryAfterSeconds({ 'retry-after-ms': '250.5', 'retry-after': '9' }, now)).toBe(1));
  it('falls back to Retry-After when retry-after-ms is unusable', () =>
    expect(retryAfterSeconds({ 'retry-after-ms': 'soon', 'retry-after': '4' }, now)).toBe(4));
  it('ignores X-RateLimit-Reset when asked to (Auth0 sends it on every answer, not only a 429)', () =>
    expect(retryAfterSeconds({ 'x-ratelimit-reset': String(now / 1000 + 5) }, now, false)).toBeNull());
  it('takes a wait longer than a day, however it is written, as a day', () => {
    expect(retryAfterSeconds({ 'retry-after': '9999999999' }, now)).toBe(86_400);
    expect(retryAfterSeconds({ 'retry-after-ms': '9'.repeat(400) }, now)).toBe(86_400);
    expect(retryAfterSeconds({ 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' }, now)).toBe(86_400);
    expect(retryAfterSeconds({ 'x-ratelimit-reset': '99999999999' }, now)).toBe(86_400);
  });
  it('returns null when nothing usable was sent', () => expect(retryAfterSeconds({ 'retry-after': 'soon' }, now)).toBeNull());
});
