export const CREDENTIAL_STATUSES = ['ACTIVE', 'EXPIRING', 'EXPIRED', 'NEVER_EXPIRES', 'UNKNOWN'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

/**
 * One rule for every vendor, so a filter on status means the same thing everywhere.
 * `now` is fixed per GraphQL request: a list and its filter never disagree mid-response.
 */
export function credentialStatus(expiresAt: Date | null, now: Date, warningWindowMs: number, expiryUnknown = false): CredentialStatus {
  // An expiry that cannot be read is no reason to report a credential that never expires.
  if (expiryUnknown) return 'UNKNOWN';
  if (expiresAt === null) return 'NEVER_EXPIRES';
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return 'EXPIRED';
  if (left <= warningWindowMs) return 'EXPIRING';
  return 'ACTIVE';
}
