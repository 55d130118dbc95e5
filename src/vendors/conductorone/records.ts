import type { CredentialKind, CredentialRecord, OwnerRecord } from '../../domain/credential.js';
import { ref } from '../../domain/ref.js';
import { UNREADABLE, knownExpiry, shown, shownText, type OnUnreadable } from '../zod-helpers.js';
import type { Credential, ServicePrincipal } from './api.js';

export const T = {
  servicePrincipal: 'ConductorOneServicePrincipal',
  credential: 'ConductorOneCredential',
} as const;

type UserFields = NonNullable<ServicePrincipal['user']>;

export interface ConductorOneServicePrincipalRecord extends OwnerRecord {
  readonly createdAt: Date | null;
  readonly updatedAt: Date | null;
  readonly email: string | null;
  readonly userStatus: UserFields['status'] | null;
  readonly userType: UserFields['type'] | null;
}

export interface ConductorOneCredentialRecord extends CredentialRecord {
  readonly clientId: string | null;
  readonly servicePrincipalId: string;
  readonly allowSourceCidrs: readonly string[];
  readonly scopedRoleIds: readonly string[];
  readonly requireDpop: boolean;
}

/** Every credential is a client secret: the one kind its records have. */
const CLIENT_SECRET: CredentialKind = 'CLIENT_SECRET';
export const CONDUCTORONE_KINDS: readonly CredentialKind[] = [CLIENT_SECRET];

export function servicePrincipalRecord(account: string, sp: ServicePrincipal, report: OnUnreadable): ConductorOneServicePrincipalRecord {
  return {
    ref: ref(T.servicePrincipal, account, sp.id),
    vendor: 'CONDUCTORONE',
    externalId: sp.id,
    name: shownText(sp.displayName, 'displayName', sp.id, report),
    description: null,
    createdAt: shown(sp.createdAt, 'createdAt', sp.id, report),
    updatedAt: shown(sp.updatedAt, 'updatedAt', sp.id, report),
    email: shown(sp.user?.email, 'user.email', sp.id, report) || null,
    userStatus: sp.user?.status ?? null,
    userType: sp.user?.type ?? null,
  };
}

/** The principal comes from the path it was read under: the body may leave it out. */
export function credentialRecord(account: string, servicePrincipalId: string, c: Credential, report: OnUnreadable): ConductorOneCredentialRecord {
  const item = `${servicePrincipalId}/${c.id}`;
  if (c.expiresAt === UNREADABLE) report('expiresAt', item, 'UNKNOWN');
  return {
    ref: ref(T.credential, account, servicePrincipalId, c.id),
    vendor: 'CONDUCTORONE',
    externalId: c.id,
    kind: CLIENT_SECRET,
    name: shownText(c.displayName, 'displayName', item, report),
    description: null,
    createdAt: shown(c.createdAt, 'createdAt', item, report),
    updatedAt: null,
    expiresAt: knownExpiry(c.expiresAt),
    expiryUnknown: c.expiresAt === UNREADABLE,
    lastUsedAt: shown(c.lastUsedAt, 'lastUsedAt', item, report),
    owner: ref(T.servicePrincipal, account, servicePrincipalId),
    clientId: shown(c.clientId, 'clientId', item, report) || null,
    servicePrincipalId,
    allowSourceCidrs: c.allowSourceCidrs ?? [],
    scopedRoleIds: c.scopedRoleIds ?? [],
    // proto3 JSON leaves out `false`.
    requireDpop: c.requireDpop ?? false,
  };
}
