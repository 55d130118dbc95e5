import type { CredentialKind, CredentialRecord, VendorVerdict } from '../../domain/credential.js';
import { ref } from '../../domain/ref.js';
import { wellFormed } from '../../text.js';
import { UNREADABLE, expiryOf, knownExpiry, shown, type OnUnreadable } from '../zod-helpers.js';
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

const PLAIN: CredentialKind = 'SECRET';
/** Every kind a record below can have. */
export const VAULT_KINDS: readonly CredentialKind[] = [...Object.values(KINDS), PLAIN];

/** Unspecified and unknown types are plain secrets. */
export function kindOf(type: CredentialType | null | undefined): CredentialKind {
  return (type && KINDS[type]) || PLAIN;
}

export type { OnUnreadable };

/** The vault's own health verdicts that the status must not fall below (VALID says nothing the expiry does not). */
const VERDICTS: Partial<Record<string, VendorVerdict>> = {
  CREDENTIAL_HEALTH_STATUS_EXPIRING: 'EXPIRING',
  CREDENTIAL_HEALTH_STATUS_EXPIRED: 'EXPIRED',
};

/** A name or description as shown: kept as sent in the parsed credential (api.ts), well-formed here; empty is none. */
const text = (s: string | null): string | null => (s ? wellFormed(s) : null);

export function credentialRecord(account: string, c: Credential, onUnreadable: OnUnreadable): VaultCredentialRecord {
  const lastOp = shown(c.lastOpDate, 'lastOpDate', c.uuid, onUnreadable);
  const expiry = expiryOf(c.expiresAt);
  if (expiry === UNREADABLE) onUnreadable('expiresAt', c.uuid, 'UNKNOWN');
  return {
    ref: ref(T.credential, account, c.uuid),
    vendor: 'VAULT',
    externalId: c.uuid,
    kind: kindOf(c.type),
    name: text(shown(c.name, 'name', c.uuid, onUnreadable)),
    description: text(shown(c.description, 'description', c.uuid, onUnreadable)),
    createdAt: shown(c.createDate, 'createDate', c.uuid, onUnreadable),
    // The vault's only change timestamp: its last update or rotation.
    updatedAt: lastOp,
    expiresAt: knownExpiry(expiry),
    // A certificate always expires: without a date its expiry is unknown, not none (as Auth0's certificate credentials).
    expiryUnknown: expiry === UNREADABLE || (expiry === null && c.type === 'CREDENTIAL_TYPE_TLS_CERTIFICATE'),
    vendorVerdict: VERDICTS[c.healthStatus ?? ''],
    lastUsedAt: null,
    owner: null,
    type: c.type ?? null,
    healthStatus: c.healthStatus ?? null,
    createdBy: shown(c.createdBy, 'createdBy', c.uuid, onUnreadable) || null,
    lastOperationAt: lastOp,
  };
}
