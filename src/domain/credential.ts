import { z } from 'zod';
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

const MAX_YEARS_AHEAD = 100;

/**
 * Text that has a UTF-8 form: no unpaired surrogate. A GraphQL string literal cannot hold one, but
 * a JSON variable can ("\ud800"); sent on, a vendor would refuse it or store U+FFFD in its place
 * (a secret `value` the caller does not hold).
 */
const isUnicode = (s: string) => s.isWellFormed();
const NOT_UNICODE = 'must be valid Unicode text (it holds an unpaired surrogate)';
/** A name is one line of text, for every vendor (ConductorOne refuses the rest; others would store a line break in a name). */
const CONTROL = /\p{Cc}/u;
const oneLine = (s: string) => !CONTROL.test(s);

/**
 * A requested change (schema/inputs.ts parses GraphQL input with it; `CredentialChange` is its
 * type, so the two cannot drift): what any vendor could accept (the most generous vendor's limit:
 * the vault's 1024-character description); each vendor's adapter checks its own, narrower limits
 * and refuses the fields it cannot change before sending anything. A key is present only when the
 * caller set it; `null` means "clear". Every message is written for the caller (zod's own would
 * leak through as "Too big: expected string to have <=255 characters"), and follows the field's
 * path, e.g. `input.name must not be blank`. zod counts lengths in characters (code points), as
 * the vendors count their limits: an emoji is one.
 */
export const credentialChange = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'must not be blank')
    .max(255, 'must be at most 255 characters')
    .refine(isUnicode, NOT_UNICODE)
    .refine(oneLine, 'must not contain control characters (line breaks, tabs, NUL)')
    .optional(),
  // Trimmed like name, so a vendor sees one rule; blank is then empty (a clear, where the vendor allows it).
  description: z.string().trim().max(1024, 'must be at most 1024 characters').refine(isUnicode, NOT_UNICODE).nullable().optional(),
  // Whether it lies ahead is `expiryProblem`'s question, asked when the change is made.
  expiresAt: z.date().nullable().optional(),
  /** Write-only secret (vault). Never logged, never echoed. */
  value: z.string().min(1, 'must not be empty').max(65_536, 'must be at most 65536 characters').refine(isUnicode, NOT_UNICODE).optional(),
});

export type CredentialChange = z.output<typeof credentialChange>;

/**
 * What is wrong with a new expiry at `now`, or null. Not in the schema: the answer changes with
 * time, so it is asked only when the change is about to be made, never of a retry answered with
 * its idempotency key's first outcome (by then the expiry it set may well have passed).
 */
export function expiryProblem(expiresAt: Date | null | undefined, now: number): string | null {
  if (!expiresAt) return null;
  if (expiresAt.getTime() <= now) return 'must be in the future';
  // 100 years to the instant, in UTC: comparing calendar years (in the host's zone) let through
  // nearly 101 years on 1 January.
  const limit = new Date(now);
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_YEARS_AHEAD);
  if (expiresAt.getTime() > limit.getTime()) return `must be within ${MAX_YEARS_AHEAD} years`;
  return null;
}

export type ChangeField = keyof CredentialChange;
