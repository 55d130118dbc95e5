export const CREDENTIAL_STATUSES = ['ACTIVE', 'EXPIRING', 'EXPIRED', 'NEVER_EXPIRES', 'UNKNOWN'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

import type { CredentialRecord } from './credential.js';

/**
 * One rule for every vendor, so a filter on status means the same thing everywhere.
 * `now` is fixed per GraphQL request: a list and its filter never disagree mid-response.
 * A vendor's verdict can only make the status more urgent: a secret its vault calls expired is
 * not shown as active (or as never expiring) for want of a date that says so.
 */
export function credentialStatus(c: Pick<CredentialRecord, 'expiresAt' | 'expiryUnknown' | 'vendorVerdict'>, now: Date, warningWindowMs: number): CredentialStatus {
  const fromExpiry = expiryStatus(c.expiresAt, now, warningWindowMs, c.expiryUnknown ?? false);
  // Past its date it is EXPIRED whatever the vendor says; otherwise a verdict (EXPIRING or EXPIRED) outranks the date.
  if (fromExpiry === 'EXPIRED') return 'EXPIRED';
  return c.vendorVerdict ?? fromExpiry;
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
