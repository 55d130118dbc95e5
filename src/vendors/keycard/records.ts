import type { CredentialKind, CredentialRecord, OwnerRecord } from '../../domain/credential.js';
import { ref } from '../../domain/ref.js';
import { shown, shownText, type OnUnreadable } from '../zod-helpers.js';
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
  readonly createdAt: Date | null;
  readonly updatedAt: Date | null;
  readonly via: ReadVia;
}

export interface KeycardCredentialRecord extends CredentialRecord {
  readonly clientId: string | null;
  readonly via: ReadVia;
}

/** Every credential is a client secret: the one kind its records have. */
const CLIENT_SECRET: CredentialKind = 'CLIENT_SECRET';
export const KEYCARD_KINDS: readonly CredentialKind[] = [CLIENT_SECRET];

export function serviceAccountRecord(account: string, sa: ServiceAccount, via: ReadVia, report: OnUnreadable): KeycardServiceAccountRecord {
  return {
    ref: ref(T.serviceAccount, account, sa.id),
    vendor: 'KEYCARD',
    externalId: sa.id,
    name: shownText(sa.name, 'name', sa.id, report),
    description: shownText(sa.description, 'description', sa.id, report),
    createdAt: shown(sa.created_at, 'created_at', sa.id, report),
    updatedAt: shown(sa.updated_at, 'updated_at', sa.id, report),
    via,
  };
}

/** Keycard client secrets do not expire: expiresAt is null, so the status is NEVER_EXPIRES. */
export function credentialRecord(account: string, serviceAccountId: string, c: Credential, via: ReadVia, report: OnUnreadable): KeycardCredentialRecord {
  const item = `${serviceAccountId}/${c.id}`;
  return {
    ref: ref(T.credential, account, serviceAccountId, c.id),
    vendor: 'KEYCARD',
    externalId: c.id,
    kind: CLIENT_SECRET,
    name: shownText(c.name, 'name', item, report),
    description: shownText(c.description, 'description', item, report),
    createdAt: shown(c.created_at, 'created_at', item, report),
    updatedAt: null,
    expiresAt: null,
    lastUsedAt: shown(c.last_used_at, 'last_used_at', item, report),
    owner: ref(T.serviceAccount, account, serviceAccountId),
    clientId: shown(c.client_id, 'client_id', item, report) || null,
    via,
  };
}
