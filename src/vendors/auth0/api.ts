import { z } from 'zod';
import { openEnum, vendorDate, vendorExpiry } from '../zod-helpers.js';

/**
 * Auth0 Management API v2 JSON, as far as the gateway reads it (../shared/vendor-apis/auth0).
 * Unknown fields are accepted and dropped (`z.object` strips): nothing reads them, and keeping
 * them copied every field of every listed item.
 */

export const CLIENT_CREDENTIAL_ALGS = ['RS256', 'RS384', 'PS256'] as const;
export const CLIENT_CREDENTIAL_TYPES = ['public_key', 'cert_subject_dn', 'x509_cert'] as const;
export const SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'ES256', 'ES384'] as const;
export const KEY_USES = ['encryption', 'signing'] as const;
/** Only these connection strategies have signing keys. */
export const KEYED_STRATEGIES = ['okta', 'oidc'] as const;

export const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
});

/** Management API errors and the token endpoint's OAuth errors. */
export const errorBody = z.union([
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
  name: z.string().optional(),
  kid: z.string().optional(),
  alg: openEnum(CLIENT_CREDENTIAL_ALGS),
  credential_type: openEnum(CLIENT_CREDENTIAL_TYPES),
  subject_dn: z.string().optional(),
  thumbprint_sha256: z.string().optional(),
  created_at: vendorDate.optional(),
  updated_at: vendorDate.optional(),
  // Lenient: an expiry it cannot read makes this credential UNKNOWN, not its tenant's list fail.
  expires_at: vendorExpiry.optional(),
});
/** Built once: zod compiles a schema on its first parse. */
export const clientCredentials = clientCredential.array();
export type ClientCredential = z.output<typeof clientCredential>;

export const client = z.object({
  client_id: z.string().min(1),
  name: z.string().optional(),
  description: z.string().optional(),
  app_type: z.string().optional(),
  is_first_party: z.boolean().optional(),
});
export type Client = z.output<typeof client>;

/** `from`/`take` (checkpoint) paging: the only mode without Auth0's 1,000-result offset cap. */
export const clientsCheckpointPage = z.object({ next: z.string().optional(), clients: z.array(client) });

export const connection = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  display_name: z.string().optional(),
  strategy: z.string().optional(),
  realms: z.array(z.string()).optional(),
});
export type Connection = z.output<typeof connection>;
export const connectionsCheckpointPage = z.object({ next: z.string().optional(), connections: z.array(connection) });

export const connectionKey = z.object({
  kid: z.string().min(1),
  cert: z.string(),
  pkcs: z.string().optional(),
  current: z.boolean().optional(),
  next: z.boolean().optional(),
  previous: z.boolean().optional(),
  current_since: z.string().optional(),
  fingerprint: z.string(),
  thumbprint: z.string(),
  algorithm: z.string().optional(),
  key_use: openEnum(KEY_USES),
  subject_dn: z.string().optional(),
});
/** Built once: zod compiles a schema on its first parse. */
export const connectionKeys = connectionKey.array();
export type ConnectionKey = z.output<typeof connectionKey>;
