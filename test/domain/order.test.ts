import { describe, expect, it } from 'vitest';
import type { CredentialRecord, VendorVerdict } from '../../src/domain/credential.js';
import { inExpiryOrder } from '../../src/domain/order.js';
import { ref } from '../../src/domain/ref.js';

/** Only what the order reads: the expiry facts and the ref that breaks ties. */
const credential = (id: string, expiresAt: string | null, expiryUnknown = false, vendorVerdict?: VendorVerdict) =>
  ({ ref: ref('VaultCredential', 'v', id), expiresAt: expiresAt === null ? null : new Date(expiresAt), expiryUnknown, vendorVerdict }) as CredentialRecord;
const ids = (list: CredentialRecord[]) => list.map((c) => c.ref.path[0]);

describe('inExpiryOrder', () => {
  it('puts an unreadable expiry first, then undated vendor verdicts (expired, expiring), then dates soonest first, never-expiring last', () => {
    const list = [
      credential('never', null),
      credential('late', '2027-01-01T00:00:00Z'),
      credential('expiring', null, false, 'EXPIRING'),
      credential('soon', '2026-01-01T00:00:00Z'),
      credential('expired', null, false, 'EXPIRED'),
      credential('unknown', null, true),
    ];
    expect(ids(inExpiryOrder(list))).toEqual(['unknown', 'expired', 'expiring', 'soon', 'late', 'never']);
  });

  it('breaks a tie by the credential, so the order does not depend on the vendor’s', () => {
    const [a, b] = [credential('a', '2026-01-01T00:00:00Z'), credential('b', '2026-01-01T00:00:00Z')];
    expect(ids(inExpiryOrder([b, a]))).toEqual(['a', 'b']);
    expect(ids(inExpiryOrder([a, b]))).toEqual(['a', 'b']);
  });

  it('returns a new list and leaves the one given as it was (a session may hold it)', () => {
    const given = [credential('never', null), credential('soon', '2026-01-01T00:00:00Z')];
    const sorted = inExpiryOrder(given);
    expect(sorted).not.toBe(given);
    expect(ids(given)).toEqual(['never', 'soon']);
  });
});
