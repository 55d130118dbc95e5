import { z } from 'zod';
import { bearerToken, displayDate, displayString, displayStrings, openEnum, vendorExpiry } from '../zod-helpers.js';

/**
 * Auth0 Management API v2 JSON, as far as the gateway reads it (../shared/vendor-apis/auth0).
 * Unknown fields are accepted and dropped (`z.object` strips): nothing reads them, and keeping
 * them copied every field of every listed item. Display-only fields are read leniently (records.ts
 * shows one it cannot read as null, reported); ids, and what decides kind and status, strictly.
 */

export const CLIENT_CREDENTIAL_ALGS = ['RS256', 'RS384', 'PS256'] as const;
export const CLIENT_CREDENTIAL_TYPES = ['public_key', 'cert_subject_dn', 'x509_cert'] as const;
export const SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'ES256', 'ES384'] as const;
export const KEY_USES = ['encryption', 'signing'] as const;
/** Only these connection strategies have signing keys. */
export const KEYED_STRATEGIES = ['okta', 'oidc'] as const;

export const tokenResponse = z.object({
  access_token: bearerToken,
  token_type: z.string(),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
});

/** Management API errors and the token endpoint's OAuth errors. */
const errorBody = z.union([
  z.object({ statusCode: z.number(), error: z.string(), message: z.string(), errorCode: z.string().optional() }),
  z.object({ error: z.string(), error_description: z.string().optional() }),
]);

export function errorMessage(body: unknown): string | undefined {
  const parsed = errorBody.safeParse(body);
  if (!parsed.success) return undefined;
  return 'message' in parsed.data ? parsed.data.message : (parsed.data.error_description ?? parsed.data.error);
}

export const clientCredential = z.object({
  id: z.string().min(1),
  name: displayString,
  kid: displayString,
  alg: openEnum(CLIENT_CREDENTIAL_ALGS),
  credential_type: openEnum(CLIENT_CREDENTIAL_TYPES),
  subject_dn: displayString,
  thumbprint_sha256: displayString,
  created_at: displayDate,
  updated_at: displayDate,
  // Lenient: an expiry it cannot read makes this credential UNKNOWN, not its tenant's list fail.
  expires_at: vendorExpiry.optional(),
});
/** Built once: zod compiles a schema on its first parse. */
export const clientCredentials = clientCredential.array();
export type ClientCredential = z.output<typeof clientCredential>;

const client = z.object({
  client_id: z.string().min(1),
  name: displayString,
  description: displayString,
  app_type: displayString,
  is_first_party: z.boolean().optional(),
});
export type Client = z.output<typeof client>;

/** `from`/`take` (checkpoint) paging: the only mode without Auth0's 1,000-result offset cap. */
export const clientsCheckpointPage = z.object({ next: z.string().optional(), clients: z.array(client) });

const connection = z.object({
  id: z.string().min(1),
  name: displayString,
  display_name: displayString,
  strategy: displayString,
  realms: displayStrings,
});
export type Connection = z.output<typeof connection>;
export const connectionsCheckpointPage = z.object({ next: z.string().optional(), connections: z.array(connection) });

export const connectionKey = z.object({
  kid: z.string().min(1),
  // The key's lifetime: one Auth0 leaves out, or sends unreadable, makes the key UNKNOWN (records.ts).
  cert: displayString,
  pkcs: displayString,
  current: z.boolean().optional(),
  next: z.boolean().optional(),
  previous: z.boolean().optional(),
  current_since: displayDate,
  fingerprint: displayString,
  thumbprint: displayString,
  algorithm: displayString,
  key_use: openEnum(KEY_USES),
  subject_dn: displayString,
});
/** Built once: zod compiles a schema on its first parse. */
export const connectionKeys = connectionKey.array();
export type ConnectionKey = z.output<typeof connectionKey>;
