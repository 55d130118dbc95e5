export const CREDENTIAL_STATUSES = ['ACTIVE', 'EXPIRING', 'EXPIRED', 'NEVER_EXPIRES', 'UNKNOWN'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

/** A vendor's own word that a credential has expired or is about to (the vault's health). */
export type VendorVerdict = 'EXPIRING' | 'EXPIRED';

/**
 * One rule for every vendor, so a filter on status means the same thing everywhere.
 * `now` is fixed per GraphQL request: a list and its filter never disagree mid-response.
 * A vendor's verdict can only make the status more urgent: a secret its vault calls expired is
 * not shown as active (or as never expiring) for want of a date that says so.
 */
export function credentialStatus(expiresAt: Date | null, now: Date, warningWindowMs: number, expiryUnknown = false, vendorVerdict?: VendorVerdict): CredentialStatus {
  const fromExpiry = expiryStatus(expiresAt, now, warningWindowMs, expiryUnknown);
  if (fromExpiry === 'EXPIRED' || vendorVerdict === 'EXPIRED') return 'EXPIRED';
  return vendorVerdict ?? fromExpiry;
}

function expiryStatus(expiresAt: Date | null, now: Date, warningWindowMs: number, expiryUnknown: boolean): CredentialStatus {
  // An expiry that cannot be read is no reason to report a credential that never expires.
  if (expiryUnknown) return 'UNKNOWN';
  if (expiresAt === null) return 'NEVER_EXPIRES';
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return 'EXPIRED';
  if (left <= warningWindowMs) return 'EXPIRING';
  return 'ACTIVE';
}
