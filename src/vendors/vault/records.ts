import type { CredentialKind, CredentialRecord } from '../../domain/credential.js';
import { ref } from '../../domain/ref.js';
import { UNREADABLE, expiryOf, knownExpiry, rfc3339 } from '../zod-helpers.js';
import type { Credential, CredentialType, HealthStatus } from './api.js';

export const T = { credential: 'VaultCredential' } as const;

export interface VaultCredentialRecord extends CredentialRecord {
  readonly type: CredentialType | null;
  readonly healthStatus: HealthStatus | null;
  readonly createdBy: string | null;
  readonly lastOperationAt: Date | null;
}

const KINDS: Partial<Record<CredentialType, CredentialKind>> = {
  CREDENTIAL_TYPE_PASSWORD: 'PASSWORD',
  CREDENTIAL_TYPE_API_KEY: 'API_KEY',
  CREDENTIAL_TYPE_TLS_CERTIFICATE: 'CERTIFICATE',
  CREDENTIAL_TYPE_SSH_KEY: 'SSH_KEY',
};

/** Unspecified and unknown types are plain secrets. */
export function kindOf(type: CredentialType | null | undefined): CredentialKind {
  return (type && KINDS[type]) || 'SECRET';
}

/** Told which field of a credential could not be read, and how it is shown instead. */
export type OnUnreadable = (field: string, uuid: string, shownAs: 'null' | 'UNKNOWN') => void;

/** A display-only date: absent is null, and so is one that is not an RFC 3339 date-time (reported). */
function displayDate(value: unknown, field: string, uuid: string, onUnreadable: OnUnreadable): Date | null {
  if (value === undefined || value === null) return null;
  const date = typeof value === 'string' ? rfc3339(value) : null;
  if (!date) onUnreadable(field, uuid, 'null');
  return date;
}

export function credentialRecord(account: string, c: Credential, onUnreadable: OnUnreadable): VaultCredentialRecord {
  const lastOp = displayDate(c.lastOpDate, 'lastOpDate', c.uuid, onUnreadable);
  const expiry = expiryOf(c.expiresAt);
  if (expiry === UNREADABLE) onUnreadable('expiresAt', c.uuid, 'UNKNOWN');
  return {
    ref: ref(T.credential, account, c.uuid),
    vendor: 'VAULT',
    externalId: c.uuid,
    kind: kindOf(c.type),
    name: c.name || null,
    description: c.description || null,
    createdAt: displayDate(c.createDate, 'createDate', c.uuid, onUnreadable),
    // The vault's only change timestamp: its last update or rotation.
    updatedAt: lastOp,
    expiresAt: knownExpiry(expiry),
    expiryUnknown: expiry === UNREADABLE,
    lastUsedAt: null,
    owner: null,
    type: c.type ?? null,
    healthStatus: c.healthStatus ?? null,
    createdBy: c.createdBy || null,
    lastOperationAt: lastOp,
  };
}
