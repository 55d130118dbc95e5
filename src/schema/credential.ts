import type { CredentialRecord, OwnerRecord } from '../domain/credential.js';
import { distinctCredentials } from '../domain/distinct.js';
import { inExpiryOrder } from '../domain/order.js';
import { credentialStatus } from '../domain/status.js';
import { goneAsEmpty } from '../vendors/not-found.js';
import { builder } from './builder.js';
import { CredentialKindEnum, CredentialStatusEnum, vendorEnum } from './enums.js';
import { globalIdOf } from './global-id.js';

/** A display date is shown as null, never failing its account's list, when the vendor sends one the gateway cannot read. */
export const UNREPORTED_DATE = 'Null when the vendor does not report it, or reports it as something other than an RFC 3339 date-time (logged; the rest is still listed).';

export const CredentialOwnerInterface = builder.interfaceRef<OwnerRecord>('CredentialOwner');

export const CredentialInterface = builder.interfaceRef<CredentialRecord>('Credential').implement({
  description: 'A machine credential in any vendor. Each vendor kind is its own type with its own extra fields.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (c) => c.ref.typename,
  fields: (t) => ({
    // A plain synchronous resolver: Relay's t.globalID wraps every id in an async function, which
    // makes every credential object in a list a promise for graphql-js to await.
    id: t.id({ description: 'Global id: resolvable by `node(id)` on any replica.', resolve: (c) => globalIdOf(c.ref) }),
    vendor: t.field({ type: vendorEnum(), description: 'The vendor it lives in; `account` says which configured account of that vendor.', resolve: (c) => c.vendor }),
    account: t.string({ description: 'The configured account (tenant) it lives in.', resolve: (c) => c.ref.account }),
    externalId: t.string({ description: "The vendor's own id.", resolve: (c) => c.externalId }),
    kind: t.field({
      type: CredentialKindEnum,
      description: "What it is, in terms shared by every vendor; the vendor's own word is on its type (Auth0 `credentialType`, vault `type`).",
      resolve: (c) => c.kind,
    }),
    name: t.string({
      nullable: true,
      description: 'Null when the vendor gives it none (Auth0 connection keys) or an empty one, or sends something that is not text (logged; the credential is still listed).',
      resolve: (c) => c.name,
    }),
    description: t.string({
      nullable: true,
      description:
        'Its description in the vendor; null when it has none or it is not text, and always for Auth0 and ConductorOne credentials, which have no description.',
      resolve: (c) => c.description,
    }),
    createdAt: t.field({ type: 'DateTime', nullable: true, description: UNREPORTED_DATE, resolve: (c) => c.createdAt }),
    updatedAt: t.field({ type: 'DateTime', nullable: true, description: UNREPORTED_DATE, resolve: (c) => c.updatedAt }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      // Null says nothing of the status alone: a vendor's own verdict outranks a missing date.
      description:
        'Null when the vendor holds no expiry or a certificate says it has none (`status` NEVER_EXPIRES; UNKNOWN for an Auth0 certificate credential or a vault TLS certificate, whose certificate still expires) ' +
        'or one the gateway cannot read (`status` UNKNOWN), ' +
        "unless the vendor says itself that the credential has expired or is expiring (the vault's `healthStatus`): `status` is then EXPIRED or EXPIRING.",
      resolve: (c) => c.expiresAt,
    }),
    lastUsedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'Null when never used, when the vendor does not report use at all (Auth0, the vault), or when it reports a date the gateway cannot read (logged): not proof of disuse.',
      resolve: (c) => c.lastUsedAt,
    }),
    status: t.field({
      type: CredentialStatusEnum,
      description:
        'From `expiresAt`, the same way for every vendor, at the time of the request; made more urgent, never less, by a vendor that says itself that the credential has expired or is expiring (the vault\'s `healthStatus`).',
      resolve: (c, _args, ctx) => credentialStatus(c, ctx.scope.now, ctx.settings.expiryWarningMs),
    }),
    owner: t.field({
      type: CredentialOwnerInterface,
      nullable: true,
      description: 'What holds it; null when it has none or the owner cannot be read.',
      resolve: (c, _args, ctx) => ctx.sessions.ownerOf(c),
    }),
  }),
});

CredentialOwnerInterface.implement({
  description: 'What holds credentials: an Auth0 client or connection, a service principal, a service account…',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (o) => o.ref.typename,
  fields: (t) => ({
    id: t.id({ description: 'Global id: resolvable by `node(id)`, and usable as `filter.owner`.', resolve: (o) => globalIdOf(o.ref) }),
    vendor: t.field({ type: vendorEnum(), description: 'The vendor it lives in.', resolve: (o) => o.vendor }),
    account: t.string({ description: 'The configured account (tenant) it lives in.', resolve: (o) => o.ref.account }),
    externalId: t.string({ description: "The vendor's own id.", resolve: (o) => o.externalId }),
    name: t.string({
      nullable: true,
      description: "Its name in the vendor (a ConductorOne principal's display name); null when it has none or it is not text.",
      resolve: (o) => o.name,
    }),
    description: t.string({
      nullable: true,
      description:
        'Its description in the vendor; null when it has none or it is not text, and always for Auth0 connections and ConductorOne service principals, which have no description.',
      resolve: (o) => o.description,
    }),
    credentials: t.field({
      type: [CredentialInterface],
      // Null (with the error) when the vendor fails: the owner itself is still worth returning.
      nullable: { list: true, items: false },
      description:
        "The owner's credentials, in `credentials`' order (soonest expiry first), whatever order the vendor lists them in; null, with an error naming the account, when they could not be read. An owner deleted since it was read has none.",
      // Deleted between reading the owner and its list: none, as a list or an owner filter reads it.
      resolve: (o, _args, ctx) => ctx.sessions.readableOrNotFound(o.ref.account).ownerCredentials(o.ref).then(ownerList, goneAsEmpty),
    }),
  }),
});

const ownerList = (list: CredentialRecord[]) => inExpiryOrder(distinctCredentials(list));

/** For vendor types: `isTypeOf` by the typename their records carry. */
export function isRecordOf(typename: string) {
  return (value: unknown) => (value as { ref?: { typename?: string } } | null)?.ref?.typename === typename;
}
