import type { CredentialKind, CredentialRecord, OwnerRecord } from '../../domain/credential.js';
import { ref } from '../../domain/ref.js';
import { UNREADABLE, knownExpiry } from '../zod-helpers.js';
import { certificateValidity } from './certificate.js';
import { SIGNING_ALGS, type Client, type ClientCredential, type Connection, type ConnectionKey } from './api.js';

export const T = {
  client: 'Auth0Client',
  connection: 'Auth0Connection',
  clientCredential: 'Auth0ClientCredential',
  connectionKey: 'Auth0ConnectionKey',
} as const;

export interface Auth0ClientRecord extends OwnerRecord {
  readonly appType: string | null;
  readonly isFirstParty: boolean | null;
}

export interface Auth0ConnectionRecord extends OwnerRecord {
  readonly strategy: string | null;
  readonly displayName: string | null;
  readonly realms: readonly string[];
}

export interface Auth0ClientCredentialRecord extends CredentialRecord {
  readonly kid: string | null;
  readonly alg: ClientCredential['alg'] | null;
  readonly credentialType: ClientCredential['credential_type'] | null;
  readonly subjectDn: string | null;
  readonly thumbprintSha256: string | null;
}

export type KeyRole = 'CURRENT' | 'NEXT' | 'PREVIOUS';

export interface Auth0ConnectionKeyRecord extends CredentialRecord {
  readonly kid: string;
  readonly cert: string;
  readonly pkcs: string | null;
  readonly fingerprint: string;
  readonly thumbprint: string;
  readonly algorithm: (typeof SIGNING_ALGS)[number] | null;
  readonly keyUse: ConnectionKey['key_use'] | null;
  readonly subjectDn: string | null;
  readonly current: boolean;
  readonly next: boolean;
  readonly previous: boolean;
  readonly currentSince: Date | null;
  readonly role: KeyRole | null;
}

export function clientRecord(account: string, c: Client): Auth0ClientRecord {
  return {
    ref: ref(T.client, account, c.client_id),
    vendor: 'AUTH0',
    externalId: c.client_id,
    name: c.name ?? null,
    description: c.description ?? null,
    appType: c.app_type ?? null,
    isFirstParty: c.is_first_party ?? null,
  };
}

export function connectionRecord(account: string, c: Connection): Auth0ConnectionRecord {
  return {
    ref: ref(T.connection, account, c.id),
    vendor: 'AUTH0',
    externalId: c.id,
    name: c.name ?? null,
    description: null,
    strategy: c.strategy ?? null,
    displayName: c.display_name ?? null,
    realms: c.realms ?? [],
  };
}

const credentialKind: Record<string, CredentialKind> = {
  public_key: 'PUBLIC_KEY',
  x509_cert: 'CERTIFICATE',
  cert_subject_dn: 'CERTIFICATE',
};

export function clientCredentialRecord(account: string, clientId: string, c: ClientCredential): Auth0ClientCredentialRecord {
  return {
    ref: ref(T.clientCredential, account, clientId, c.id),
    vendor: 'AUTH0',
    externalId: c.id,
    kind: credentialKind[c.credential_type ?? ''] ?? 'OTHER',
    name: c.name || null,
    description: null,
    createdAt: c.created_at ?? null,
    updatedAt: c.updated_at ?? null,
    expiresAt: knownExpiry(c.expires_at),
    expiryUnknown: c.expires_at === UNREADABLE,
    lastUsedAt: null,
    owner: ref(T.client, account, clientId),
    kid: c.kid ?? null,
    alg: c.alg ?? null,
    credentialType: c.credential_type ?? null,
    subjectDn: c.subject_dn ?? null,
    thumbprintSha256: c.thumbprint_sha256 ?? null,
  };
}

export function connectionKeyRecord(account: string, connectionId: string, k: ConnectionKey): Auth0ConnectionKeyRecord {
  const validity = certificateValidity(k.cert);
  const since = k.current_since ? new Date(k.current_since) : null;
  return {
    ref: ref(T.connectionKey, account, connectionId, k.kid),
    vendor: 'AUTH0',
    externalId: k.kid,
    kind: 'SIGNING_KEY',
    name: null,
    description: null,
    createdAt: validity?.notBefore ?? null,
    updatedAt: null,
    expiresAt: validity?.notAfter ?? null,
    // The certificate's validity is the key's lifetime: one that cannot be read is no key that never expires.
    expiryUnknown: validity === null,
    lastUsedAt: null,
    owner: ref(T.connection, account, connectionId),
    kid: k.kid,
    cert: k.cert,
    pkcs: k.pkcs ?? null,
    fingerprint: k.fingerprint,
    thumbprint: k.thumbprint,
    algorithm: (SIGNING_ALGS as readonly string[]).includes(k.algorithm ?? '') ? (k.algorithm as (typeof SIGNING_ALGS)[number]) : null,
    keyUse: k.key_use ?? null,
    subjectDn: k.subject_dn ?? null,
    current: k.current ?? false,
    next: k.next ?? false,
    previous: k.previous ?? false,
    currentSince: since && !Number.isNaN(since.getTime()) ? since : null,
    role: k.current ? 'CURRENT' : k.next ? 'NEXT' : k.previous ? 'PREVIOUS' : null,
  };
}
