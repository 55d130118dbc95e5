import type { CredentialKind, CredentialRecord } from '../../domain/credential.js';
import { ref } from '../../domain/ref.js';
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

export function credentialRecord(account: string, c: Credential): VaultCredentialRecord {
  const lastOp = c.lastOpDate ?? null;
  return {
    ref: ref(T.credential, account, c.uuid),
    vendor: 'VAULT',
    externalId: c.uuid,
    kind: kindOf(c.type),
    name: c.name || null,
    description: c.description || null,
    createdAt: c.createDate ?? null,
    // The vault's only change timestamp: its last update or rotation.
    updatedAt: lastOp,
    expiresAt: c.expiresAt ? new Date(c.expiresAt) : null,
    lastUsedAt: null,
    owner: null,
    type: c.type ?? null,
    healthStatus: c.healthStatus ?? null,
    createdBy: c.createdBy || null,
    lastOperationAt: lastOp,
  };
}
