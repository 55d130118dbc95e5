export const CREDENTIAL_STATUSES = ['ACTIVE', 'EXPIRING', 'EXPIRED', 'NEVER_EXPIRES'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

/**
 * One rule for every vendor, so a filter on status means the same thing everywhere.
 * `now` is fixed per GraphQL request: a list and its filter never disagree mid-response.
 */
export function credentialStatus(expiresAt: Date | null, now: Date, warningWindowMs: number): CredentialStatus {
  if (expiresAt === null) return 'NEVER_EXPIRES';
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return 'EXPIRED';
  if (left <= warningWindowMs) return 'EXPIRING';
  return 'ACTIVE';
}
