import type { CredentialRecord, OwnerRecord } from '../../domain/credential.js';
import { ref } from '../../domain/ref.js';
import { UNREADABLE, knownExpiry } from '../zod-helpers.js';
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

export function servicePrincipalRecord(account: string, sp: ServicePrincipal): ConductorOneServicePrincipalRecord {
  return {
    ref: ref(T.servicePrincipal, account, sp.id),
    vendor: 'CONDUCTORONE',
    externalId: sp.id,
    name: sp.displayName || null,
    description: null,
    createdAt: sp.createdAt ?? null,
    updatedAt: sp.updatedAt ?? null,
    email: sp.user?.email || null,
    userStatus: sp.user?.status ?? null,
    userType: sp.user?.type ?? null,
  };
}

/** The principal comes from the path it was read under: the body may leave it out. */
export function credentialRecord(account: string, servicePrincipalId: string, c: Credential): ConductorOneCredentialRecord {
  return {
    ref: ref(T.credential, account, servicePrincipalId, c.id),
    vendor: 'CONDUCTORONE',
    externalId: c.id,
    kind: 'CLIENT_SECRET',
    name: c.displayName || null,
    description: null,
    createdAt: c.createdAt ?? null,
    updatedAt: null,
    expiresAt: knownExpiry(c.expiresAt),
    expiryUnknown: c.expiresAt === UNREADABLE,
    lastUsedAt: c.lastUsedAt ?? null,
    owner: ref(T.servicePrincipal, account, servicePrincipalId),
    clientId: c.clientId || null,
    servicePrincipalId,
    allowSourceCidrs: c.allowSourceCidrs ?? [],
    scopedRoleIds: c.scopedRoleIds ?? [],
    // proto3 JSON leaves out `false`.
    requireDpop: c.requireDpop ?? false,
  };
}
