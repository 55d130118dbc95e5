import { describe, expect, it } from 'vitest';
import { credentialStatus } from '../../src/domain/status.js';

const now = new Date('2026-06-01T00:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);
const window = 30 * 86_400_000;

describe('credentialStatus', () => {
  it('returns EXPIRED for a credential past expiresAt', () => expect(credentialStatus(days(-1), now, window)).toBe('EXPIRED'));
  it('returns UNKNOWN for an expiry the vendor reported but the gateway cannot read', () => expect(credentialStatus(null, now, window, true)).toBe('UNKNOWN'));
  it('returns EXPIRED at the exact expiry instant', () => expect(credentialStatus(now, now, window)).toBe('EXPIRED'));
  it('returns EXPIRING inside the warning window', () => expect(credentialStatus(days(10), now, window)).toBe('EXPIRING'));
  it('returns EXPIRING at the window’s last instant', () => expect(credentialStatus(days(30), now, window)).toBe('EXPIRING'));
  it('returns ACTIVE after the warning window', () => expect(credentialStatus(days(31), now, window)).toBe('ACTIVE'));
  it('honours a configured window', () => expect(credentialStatus(days(10), now, 7 * 86_400_000)).toBe('ACTIVE'));
  it('returns NEVER_EXPIRES without an expiry', () => expect(credentialStatus(null, now, window)).toBe('NEVER_EXPIRES'));
  it('returns EXPIRED for a credential its vendor says has expired, whatever its expiry says', () => {
    expect([credentialStatus(null, now, window, false, 'EXPIRED'), credentialStatus(days(90), now, window, false, 'EXPIRED'), credentialStatus(null, now, window, true, 'EXPIRED')]).toEqual([
      'EXPIRED',
      'EXPIRED',
      'EXPIRED',
    ]);
  });
  it('returns EXPIRING for a credential its vendor says is expiring, but never less than EXPIRED', () => {
    expect([credentialStatus(null, now, window, false, 'EXPIRING'), credentialStatus(days(90), now, window, false, 'EXPIRING'), credentialStatus(days(-1), now, window, false, 'EXPIRING')]).toEqual([
      'EXPIRING',
      'EXPIRING',
      'EXPIRED',
    ]);
  });
});
