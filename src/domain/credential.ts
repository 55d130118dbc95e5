import type { z } from 'zod';
import type { credentialChange } from '../schema/inputs.js';
import type { Ref } from './ref.js';
import type { Vendor } from './vendor.js';

export const CREDENTIAL_KINDS = [
  'CLIENT_SECRET',
  'PUBLIC_KEY',
  'CERTIFICATE',
  'SIGNING_KEY',
  'SECRET',
  'API_KEY',
  'PASSWORD',
  'SSH_KEY',
  'OTHER',
] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** A vendor's own word that a credential has expired or is about to (the vault's health). */
export type VendorVerdict = 'EXPIRING' | 'EXPIRED';

/** The vendor-neutral part every credential record has; vendor records extend it. */
export interface CredentialRecord {
  readonly ref: Ref;
  readonly vendor: Vendor;
  readonly externalId: string;
  readonly kind: CredentialKind;
  readonly name: string | null;
  readonly description: string | null;
  readonly createdAt: Date | null;
  readonly updatedAt: Date | null;
  readonly expiresAt: Date | null;
  /** The vendor's answer holds an expiry the gateway cannot read (`expiresAt` is then null). */
  readonly expiryUnknown?: boolean;
  /** The vendor's own word that it has expired or is about to, whatever `expiresAt` says (see credentialStatus). */
  readonly vendorVerdict?: VendorVerdict;
  readonly lastUsedAt: Date | null;
  readonly owner: Ref | null;
}

/** The vendor-neutral part of whatever holds credentials (an app, a service principal…). */
export interface OwnerRecord {
  readonly ref: Ref;
  readonly vendor: Vendor;
  readonly externalId: string;
  readonly name: string | null;
  readonly description: string | null;
}

/**
 * A requested change, as parsed from GraphQL input by `credentialChange` (schema/inputs.ts), whose
 * type it is, so the two cannot drift. A key is present only when the caller set it; `null` means
 * "clear". Each vendor accepts a subset and refuses the rest before sending anything. `value` is a
 * write-only secret (vault): never logged, never echoed.
 */
export type CredentialChange = z.output<typeof credentialChange>;
export type ChangeField = keyof CredentialChange;
