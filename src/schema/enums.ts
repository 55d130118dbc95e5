import { CREDENTIAL_KINDS } from '../domain/credential.js';
import { CREDENTIAL_STATUSES } from '../domain/status.js';
import type { Vendor } from '../domain/vendor.js';
import { builder } from './builder.js';

const makeVendorEnum = (vendors: readonly { vendor: Vendor; description: string }[]) =>
  builder.enumType('Vendor', {
    description: 'The identity vendors whose credentials this gateway reads; more may be added.',
    values: Object.fromEntries(vendors.map((v) => [v.vendor, { description: v.description }])) as Record<Vendor, { description: string }>,
  });
let vendorEnumRef: ReturnType<typeof makeVendorEnum> | undefined;

/**
 * Adds the `Vendor` enum: a value for each registered vendor module, with its description (the
 * built schema sorts them). schema/index.ts calls it once, before the schema is built. It cannot be
 * made when this module loads: the vendor modules import the schema, so the registry is still loading.
 */
export function addVendorEnum(vendors: readonly { vendor: Vendor; description: string }[]): void {
  if (vendorEnumRef) throw new Error('the Vendor enum is already added');
  vendorEnumRef = makeVendorEnum(vendors);
}

/** The `Vendor` enum, for field thunks: they run when the schema is built, after addVendorEnum. */
export function vendorEnum(): ReturnType<typeof makeVendorEnum> {
  if (!vendorEnumRef) throw new Error('the Vendor enum is added by schema/index.ts before the schema is built');
  return vendorEnumRef;
}

export const CredentialKindEnum = builder.enumType('CredentialKind', {
  description: 'What the credential is, across vendors; more kinds may be added.',
  values: {
    CLIENT_SECRET: { description: 'A secret an application authenticates with (ConductorOne, Keycard client credentials).' },
    PUBLIC_KEY: { description: 'A public key registered for client authentication (Auth0).' },
    CERTIFICATE: { description: 'An X.509 certificate, or a certificate subject DN (Auth0, vault TLS certificates).' },
    SIGNING_KEY: { description: 'A key that signs tokens (Auth0 connection keys).' },
    SECRET: { description: 'A generic stored secret (vault; also a vault type unspecified or unknown).' },
    API_KEY: { description: 'An API key (vault).' },
    PASSWORD: { description: 'A password (vault).' },
    SSH_KEY: { description: 'An SSH key (vault).' },
    OTHER: { description: 'A kind the vendor reports that none of the above describes.' },
  } satisfies Record<(typeof CREDENTIAL_KINDS)[number], unknown>,
});

export const CredentialStatusEnum = builder.enumType('CredentialStatus', {
  description:
    'Computed the same way for every vendor from `expiresAt` and the configured warning window; a vendor that says itself that a credential has expired or is expiring (the vault\'s `healthStatus`) makes it EXPIRED or EXPIRING, never less urgent than `expiresAt` makes it (a passed `expiresAt` is EXPIRED whatever the vendor says).',
  values: {
    ACTIVE: { description: 'Expires after the warning window.' },
    EXPIRING: { description: 'Expires within the warning window (the server setting `expiryWarningDays`, by default 30 days), or its vendor says it is expiring.' },
    EXPIRED: { description: '`expiresAt` is in the past, or its vendor says it has expired.' },
    NEVER_EXPIRES: { description: 'No expiry is set, or a certificate says it has none (an Auth0 connection key whose notAfter is 99991231235959Z, RFC 5280\'s "no well-defined expiration date").' },
    UNKNOWN: {
      description:
        'The vendor reports an expiry the gateway cannot read (not an RFC 3339 date-time, or an unreadable certificate), or holds none for a credential that does expire (an Auth0 certificate credential without `expires_at`, a vault TLS certificate without `expiresAt`): it may be past.',
    },
  } satisfies Record<(typeof CREDENTIAL_STATUSES)[number], unknown>,
});

export const RateLimitSource = builder.enumType('RateLimitSource', {
  description: 'Whose limit was reached.',
  values: {
    VENDOR: { description: 'The vendor answered "too many requests".' },
    GATEWAY: { description: "The gateway's own call budget for the account (config `http.rateLimit`) would not free up within the request." },
  },
});
