import type { Builder, NodeTypes } from '../../schema/builder.js';
import { CredentialInterface, CredentialOwnerInterface, isRecordOf } from '../../schema/credential.js';
import { prefixStripped } from '../../schema/enum-values.js';
import { USER_STATUSES, USER_TYPES } from './api.js';
import { T, type ConductorOneCredentialRecord, type ConductorOneServicePrincipalRecord } from './records.js';

export function registerConductorOneSchema(builder: Builder): NodeTypes {
  const UserStatus = builder.enumType('ConductorOneUserStatus', {
    description: "Status of the service principal's user.",
    values: USER_STATUSES,
  });
  const UserType = builder.enumType('ConductorOneUserType', { values: prefixStripped('USER_TYPE_', USER_TYPES) });

  const Credential = builder.objectRef<ConductorOneCredentialRecord>(T.credential).implement({
    description:
      'A ConductorOne service-principal client credential (client id + Ed25519 secret). Only `name` (displayName) can ' +
      'change; the secret is shown once, by ConductorOne, when the credential is created there (outside this gateway), ' +
      'and is never readable here.',
    interfaces: [builder.nodeInterfaceRef(), CredentialInterface],
    isTypeOf: isRecordOf(T.credential),
    fields: (t) => ({
      clientId: t.string({
        nullable: true,
        description: 'OAuth client id, `<cutename>@<tenant>.conductor.one/spc`.',
        resolve: (c) => c.clientId,
      }),
      servicePrincipalId: t.string({ description: 'Id of the owning service principal (its user id).', resolve: (c) => c.servicePrincipalId }),
      allowSourceCidrs: t.stringList({
        description: 'IPv4/IPv6 CIDRs token requests must come from; empty means any source.',
        resolve: (c) => [...c.allowSourceCidrs],
      }),
      scopedRoleIds: t.stringList({
        description: "Role ids limiting the credential; effective roles are the intersection with the principal's roles.",
        resolve: (c) => [...c.scopedRoleIds],
      }),
      requireDpop: t.boolean({ description: 'Token requests with this credential must carry a DPoP proof.', resolve: (c) => c.requireDpop }),
    }),
  });

  const ServicePrincipal = builder.objectRef<ConductorOneServicePrincipalRecord>(T.servicePrincipal).implement({
    description: 'A ConductorOne service principal (a non-human user); owns client credentials.',
    interfaces: [builder.nodeInterfaceRef(), CredentialOwnerInterface],
    isTypeOf: isRecordOf(T.servicePrincipal),
    fields: (t) => ({
      createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.createdAt }),
      updatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (p) => p.updatedAt }),
      email: t.string({ nullable: true, description: "The principal's user email, if any.", resolve: (p) => p.email }),
      userStatus: t.field({ type: UserStatus, nullable: true, resolve: (p) => p.userStatus ?? null }),
      userType: t.field({ type: UserType, nullable: true, resolve: (p) => p.userType ?? null }),
    }),
  });
  return [Credential, ServicePrincipal];
}
