import { describe, expect, it } from 'vitest';
import type { VendorVerdict } from '../../src/domain/credential.js';
import { credentialStatus } from '../../src/domain/status.js';

const now = new Date('2026-06-01T00:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);
const window = 30 * 86_400_000;
/** A credential's status facts: its expiry, and whether it could be read and what its vendor says. */
const facts = (expiresAt: Date | null, expiryUnknown = false, vendorVerdict?: VendorVerdict) => ({ expiresAt, expiryUnknown, vendorVerdict });

describe('credentialStatus', () => {
  it('returns EXPIRED for a credential past expiresAt', () => expect(credentialStatus(facts(days(-1)), now, window)).toBe('EXPIRED'));
  it('returns UNKNOWN for an expiry the vendor reported but the gateway cannot read', () => expect(credentialStatus(facts(null, true), now, window)).toBe('UNKNOWN'));
  it('returns EXPIRED at the exact expiry instant', () => expect(credentialStatus(facts(now), now, window)).toBe('EXPIRED'));
  it('returns EXPIRING inside the warning window', () => expect(credentialStatus(facts(days(10)), now, window)).toBe('EXPIRING'));
  it('returns EXPIRING at the window’s last instant', () => expect(credentialStatus(facts(days(30)), now, window)).toBe('EXPIRING'));
  it('returns ACTIVE after the warning window', () => expect(credentialStatus(facts(days(31)), now, window)).toBe('ACTIVE'));
  it('honours a configured window', () => expect(credentialStatus(facts(days(10)), now, 7 * 86_400_000)).toBe('ACTIVE'));
  it('returns NEVER_EXPIRES without an expiry', () => expect(credentialStatus(facts(null), now, window)).toBe('NEVER_EXPIRES'));
  it('returns EXPIRED for a credential its vendor says has expired, whatever its expiry says', () => {
    expect([credentialStatus(facts(null, false, 'EXPIRED'), now, window), credentialStatus(facts(days(90), false, 'EXPIRED'), now, window), credentialStatus(facts(null, true, 'EXPIRED'), now, window)]).toEqual([
      'EXPIRED',
      'EXPIRED',
      'EXPIRED',
    ]);
  });
  it('returns EXPIRING for a credential its vendor says is expiring, but never less than EXPIRED', () => {
    expect([credentialStatus(facts(null, false, 'EXPIRING'), now, window), credentialStatus(facts(days(90), false, 'EXPIRING'), now, window), credentialStatus(facts(days(-1), false, 'EXPIRING'), now, window)]).toEqual([
      'EXPIRING',
      'EXPIRING',
      'EXPIRED',
    ]);
  });
});
