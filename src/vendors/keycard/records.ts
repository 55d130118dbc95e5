import type { CredentialRecord, OwnerRecord } from '../../domain/credential.js';
import { ref } from '../../domain/ref.js';
import type { Credential, ServiceAccount } from './api.js';

export const T = {
  serviceAccount: 'KeycardServiceAccount',
  credential: 'KeycardCredential',
} as const;

/**
 * How a record was read. Permissions come only with `expand=permissions`, asked for when a query
 * selects them: for a listed record by listing its collection again (one call per owner), for a
 * record read alone by reading it again.
 */
export type ReadVia = 'list' | 'get';

export interface KeycardServiceAccountRecord extends OwnerRecord {
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly via: ReadVia;
}

export interface KeycardCredentialRecord extends CredentialRecord {
  readonly clientId: string;
  readonly via: ReadVia;
}

export function serviceAccountRecord(account: string, sa: ServiceAccount, via: ReadVia): KeycardServiceAccountRecord {
  return {
    ref: ref(T.serviceAccount, account, sa.id),
    vendor: 'KEYCARD',
    externalId: sa.id,
    name: sa.name,
    description: sa.description ?? null,
    createdAt: sa.created_at,
    updatedAt: sa.updated_at,
    via,
  };
}

/** Keycard client secrets do not expire: expiresAt is null, so the status is NEVER_EXPIRES. */
export function credentialRecord(account: string, serviceAccountId: string, c: Credential, via: ReadVia): KeycardCredentialRecord {
  return {
    ref: ref(T.credential, account, serviceAccountId, c.id),
    vendor: 'KEYCARD',
    externalId: c.id,
    kind: 'CLIENT_SECRET',
    name: c.name,
    description: c.description ?? null,
    createdAt: c.created_at,
    updatedAt: null,
    expiresAt: null,
    lastUsedAt: c.last_used_at ?? null,
    owner: ref(T.serviceAccount, account, serviceAccountId),
    clientId: c.client_id,
    via,
  };
}
