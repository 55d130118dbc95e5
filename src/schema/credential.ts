import type { CredentialRecord, OwnerRecord } from '../domain/credential.js';
import { credentialStatus } from '../domain/status.js';
import { builder } from './builder.js';
import { CredentialKindEnum, CredentialStatusEnum, VendorEnum } from './enums.js';
import { localId } from './global-id.js';

export const CredentialOwnerInterface = builder.interfaceRef<OwnerRecord>('CredentialOwner');

export const CredentialInterface = builder.interfaceRef<CredentialRecord>('Credential').implement({
  description: 'A machine credential in any vendor. Each vendor kind is its own type with its own extra fields.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (c) => c.ref.typename,
  fields: (t) => ({
    id: t.globalID({ resolve: (c) => ({ type: c.ref.typename, id: localId(c.ref) }) }),
    vendor: t.field({ type: VendorEnum, resolve: (c) => c.vendor }),
    account: t.string({ description: 'The configured account (tenant) it lives in.', resolve: (c) => c.ref.account }),
    externalId: t.string({ description: "The vendor's own id.", resolve: (c) => c.externalId }),
    kind: t.field({ type: CredentialKindEnum, resolve: (c) => c.kind }),
    name: t.string({ nullable: true, resolve: (c) => c.name }),
    description: t.string({ nullable: true, resolve: (c) => c.description }),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.createdAt }),
    updatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.updatedAt }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.expiresAt }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.lastUsedAt }),
    status: t.field({
      type: CredentialStatusEnum,
      resolve: (c, _args, ctx) => credentialStatus(c.expiresAt, ctx.scope.now, ctx.settings.expiryWarningMs),
    }),
    owner: t.field({
      type: CredentialOwnerInterface,
      nullable: true,
      resolve: async (c, _args, ctx) => (c.owner ? ((await ctx.sessions.get(c.owner.account).load(c.owner)) as OwnerRecord | null) : null),
    }),
  }),
});

CredentialOwnerInterface.implement({
  description: 'What holds credentials: an Auth0 client or connection, a service principal, a service account…',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (o) => o.ref.typename,
  fields: (t) => ({
    id: t.globalID({ resolve: (o) => ({ type: o.ref.typename, id: localId(o.ref) }) }),
    vendor: t.field({ type: VendorEnum, resolve: (o) => o.vendor }),
    account: t.string({ resolve: (o) => o.ref.account }),
    externalId: t.string({ resolve: (o) => o.externalId }),
    name: t.string({ nullable: true, resolve: (o) => o.name }),
    description: t.string({ nullable: true, resolve: (o) => o.description }),
    credentials: t.field({
      type: [CredentialInterface],
      resolve: (o, _args, ctx) => ctx.sessions.get(o.ref.account).ownerCredentials(o.ref),
    }),
  }),
});

/** For vendor types: `isTypeOf` by the typename their records carry. */
export function isRecordOf(typename: string) {
  return (value: unknown) => (value as { ref?: { typename?: string } } | null)?.ref?.typename === typename;
}
