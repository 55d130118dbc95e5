import type { Builder, NodeTypes } from '../../schema/builder.js';
import { CredentialInterface, CredentialOwnerInterface, UNREPORTED_DATE, isRecordOf } from '../../schema/credential.js';
import { describedValues, prefixStripped } from '../../schema/enum-values.js';
import { USER_STATUSES, USER_TYPES } from './api.js';
import { T, type ConductorOneCredentialRecord, type ConductorOneServicePrincipalRecord } from './records.js';

export function registerConductorOneSchema(builder: Builder): NodeTypes {
  const UserStatus = builder.enumType('ConductorOneUserStatus', {
    description: "Status of the service principal's user.",
    values: {
      UNKNOWN: { description: "ConductorOne's own UNKNOWN status (a status this gateway does not know is null instead)." },
      ENABLED: {},
      DISABLED: {},
      DELETED: {},
    } satisfies Record<(typeof USER_STATUSES)[number], object>,
  });
  const UserType = builder.enumType('ConductorOneUserType', {
    description: "The type of a ConductorOne user (its `USER_TYPE_…` value without the prefix).",
    values: describedValues(prefixStripped('USER_TYPE_', USER_TYPES), { UNSPECIFIED: 'ConductorOne gives no type (`USER_TYPE_UNSPECIFIED`).' }),
  });

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
        description: 'OAuth client id, `<cutename>@<tenant>.<installation>/spc` (e.g. `happy-otter-12345@acme.conductor.one/spc`); null when absent or not text.',
        resolve: (c) => c.clientId,
      }),
      servicePrincipalId: t.string({ description: 'Id of the owning service principal (its user id).', resolve: (c) => c.servicePrincipalId }),
      allowSourceCidrs: t.stringList({
        description: 'IPv4/IPv6 CIDRs token requests must come from; empty means any source.',
        resolve: (c) => [...c.allowSourceCidrs],
      }),
      scopedRoleIds: t.stringList({
        description:
          "Role ids limiting the credential; effective roles are the intersection with the principal's roles.",
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
      createdAt: t.field({ type: 'DateTime', nullable: true, description: `When ConductorOne created it. ${UNREPORTED_DATE}`, resolve: (p) => p.createdAt }),
      updatedAt: t.field({ type: 'DateTime', nullable: true, description: `When ConductorOne last changed it. ${UNREPORTED_DATE}`, resolve: (p) => p.updatedAt }),
      email: t.string({ nullable: true, description: "The principal's user email; null when it has none or it is not text.", resolve: (p) => p.email }),
      userStatus: t.field({
        type: UserStatus,
        nullable: true,
        description: "The status of the principal's user in ConductorOne; null when absent or not one this gateway knows.",
        resolve: (p) => p.userStatus ?? null,
      }),
      userType: t.field({
        type: UserType,
        nullable: true,
        description: "The type of the principal's user in ConductorOne; null when absent or not one this gateway knows.",
        resolve: (p) => p.userType ?? null,
      }),
    }),
  });
  return [Credential, ServicePrincipal];
}
