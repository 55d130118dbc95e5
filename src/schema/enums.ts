import { CREDENTIAL_KINDS } from '../domain/credential.js';
import { CREDENTIAL_STATUSES } from '../domain/status.js';
import { VENDORS } from '../domain/vendor.js';
import { builder } from './builder.js';

export const VendorEnum = builder.enumType('Vendor', { values: VENDORS });

export const CredentialKindEnum = builder.enumType('CredentialKind', {
  description: 'What the credential is, across vendors.',
  values: CREDENTIAL_KINDS,
});

export const CredentialStatusEnum = builder.enumType('CredentialStatus', {
  description: 'Computed the same way for every vendor from `expiresAt` and the configured warning window.',
  values: {
    ACTIVE: { description: 'Expires after the warning window.' },
    EXPIRING: { description: 'Expires within the warning window (default 30 days).' },
    EXPIRED: { description: '`expiresAt` is in the past.' },
    NEVER_EXPIRES: { description: 'No expiry is set.' },
    UNKNOWN: { description: 'The vendor reports an expiry the gateway cannot read (e.g. an unreadable certificate): it may be past.' },
  } satisfies Record<(typeof CREDENTIAL_STATUSES)[number], unknown>,
});
