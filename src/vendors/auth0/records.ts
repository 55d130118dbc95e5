import type { CredentialKind, CredentialRecord, OwnerRecord } from '../../domain/credential.js';
import { ref } from '../../domain/ref.js';
import { UNREADABLE, knownExpiry, shown, shownList, shownText, type OnUnreadable } from '../zod-helpers.js';
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

/**
 * A string GraphQL cannot show as null (a key's fingerprint and thumbprint, which the contract
 * requires): empty, and reported, when Auth0 leaves it out or sends something else, so one odd key
 * does not null the whole key (or its connection's list).
 */
function orEmpty(value: string | null | undefined | typeof UNREADABLE, field: string, item: string, report: OnUnreadable): string {
  if (typeof value === 'string') return value;
  report(field, item, 'empty');
  return '';
}

export function clientRecord(account: string, c: Client, report: OnUnreadable): Auth0ClientRecord {
  const id = c.client_id;
  return {
    ref: ref(T.client, account, id),
    vendor: 'AUTH0',
    externalId: id,
    name: shownText(c.name, 'name', id, report),
    description: shownText(c.description, 'description', id, report),
    appType: shown(c.app_type, 'app_type', id, report),
    isFirstParty: c.is_first_party ?? null,
  };
}

export function connectionRecord(account: string, c: Connection, report: OnUnreadable): Auth0ConnectionRecord {
  return {
    ref: ref(T.connection, account, c.id),
    vendor: 'AUTH0',
    externalId: c.id,
    name: shownText(c.name, 'name', c.id, report),
    description: null,
    strategy: shown(c.strategy, 'strategy', c.id, report),
    displayName: shown(c.display_name, 'display_name', c.id, report),
    realms: shownList(c.realms, 'realms', c.id, report),
  };
}

const credentialKind: Record<string, CredentialKind> = {
  public_key: 'PUBLIC_KEY',
  x509_cert: 'CERTIFICATE',
  cert_subject_dn: 'CERTIFICATE',
};
/** A client credential of a type not above. */
const OTHER_KIND: CredentialKind = 'OTHER';
const KEY_KIND: CredentialKind = 'SIGNING_KEY';
/** Every kind a record below can have. */
export const AUTH0_KINDS: readonly CredentialKind[] = [...new Set([...Object.values(credentialKind), OTHER_KIND, KEY_KIND])];

/**
 * Auth0 keeps an expiry only for what it is given one for (`expires_at`, "public_key only; omit =
 * never expires"): a certificate credential without one still expires, when its certificate does,
 * which Auth0 does not say (a subject DN's certificate it never even sees).
 */
const CERTIFICATE_TYPES: ReadonlySet<string> = new Set(['x509_cert', 'cert_subject_dn']);

export function clientCredentialRecord(account: string, clientId: string, c: ClientCredential, report: OnUnreadable): Auth0ClientCredentialRecord {
  const item = `${clientId}/${c.id}`;
  // Reported here with the display fields, as every vendor's records do: the credential is UNKNOWN.
  if (c.expires_at === UNREADABLE) report('expires_at', item, 'UNKNOWN');
  return {
    ref: ref(T.clientCredential, account, clientId, c.id),
    vendor: 'AUTH0',
    externalId: c.id,
    kind: credentialKind[c.credential_type ?? ''] ?? OTHER_KIND,
    name: shownText(c.name, 'name', item, report),
    description: null,
    createdAt: shown(c.created_at, 'created_at', item, report),
    updatedAt: shown(c.updated_at, 'updated_at', item, report),
    expiresAt: knownExpiry(c.expires_at),
    expiryUnknown: c.expires_at === UNREADABLE || (c.expires_at == null && CERTIFICATE_TYPES.has(c.credential_type ?? '')),
    lastUsedAt: null,
    owner: ref(T.client, account, clientId),
    kid: shown(c.kid, 'kid', item, report),
    alg: c.alg ?? null,
    credentialType: c.credential_type ?? null,
    subjectDn: shown(c.subject_dn, 'subject_dn', item, report),
    thumbprintSha256: shown(c.thumbprint_sha256, 'thumbprint_sha256', item, report),
  };
}

export function connectionKeyRecord(account: string, connectionId: string, k: ConnectionKey, report: OnUnreadable): Auth0ConnectionKeyRecord {
  const item = `${connectionId}/${k.kid}`;
  // A certificate Auth0 leaves out or sends as something else is shown as empty; its key is UNKNOWN.
  const cert = typeof k.cert === 'string' ? k.cert : '';
  const validity = cert ? certificateValidity(cert) : null;
  const algorithm = shown(k.algorithm, 'algorithm', item, report);
  if (validity === null) report('cert', item, 'UNKNOWN');
  return {
    ref: ref(T.connectionKey, account, connectionId, k.kid),
    vendor: 'AUTH0',
    externalId: k.kid,
    kind: KEY_KIND,
    name: null,
    description: null,
    createdAt: validity?.notBefore ?? null,
    updatedAt: null,
    // Null too for a certificate that says it has no expiration (RFC 5280's notAfter 99991231235959Z): NEVER_EXPIRES.
    expiresAt: validity?.notAfter ?? null,
    // The certificate's validity is the key's lifetime: one that cannot be read is no key that never expires.
    expiryUnknown: validity === null,
    lastUsedAt: null,
    owner: ref(T.connection, account, connectionId),
    kid: k.kid,
    cert,
    pkcs: shown(k.pkcs, 'pkcs', item, report),
    fingerprint: orEmpty(k.fingerprint, 'fingerprint', item, report),
    thumbprint: orEmpty(k.thumbprint, 'thumbprint', item, report),
    algorithm: (SIGNING_ALGS as readonly string[]).includes(algorithm ?? '') ? (algorithm as (typeof SIGNING_ALGS)[number]) : null,
    keyUse: k.key_use ?? null,
    subjectDn: shown(k.subject_dn, 'subject_dn', item, report),
    current: k.current ?? false,
    next: k.next ?? false,
    previous: k.previous ?? false,
    // Strict RFC 3339 like every date: `new Date` took "1" for 2001.
    currentSince: shown(k.current_since, 'current_since', item, report),
    role: k.current ? 'CURRENT' : k.next ? 'NEXT' : k.previous ? 'PREVIOUS' : null,
  };
}
