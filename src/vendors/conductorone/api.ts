import { z } from 'zod';
import { openEnum, vendorDate, vendorExpiry } from '../zod-helpers.js';

/**
 * ConductorOne JSON as the gateway reads it (../shared/vendor-apis/conductorone.openapi.yaml).
 * gRPC-transcoded: camelCase, and proto3 JSON leaves out unpopulated fields (false, [], "", null),
 * so every field may be absent. Unknown fields are accepted and dropped (`z.object` strips):
 * nothing reads them, and keeping them copied every field of every listed item.
 */

export const USER_STATUSES = ['UNKNOWN', 'ENABLED', 'DISABLED', 'DELETED'] as const;
export const USER_TYPES = ['USER_TYPE_UNSPECIFIED', 'USER_TYPE_SYSTEM', 'USER_TYPE_HUMAN', 'USER_TYPE_SERVICE', 'USER_TYPE_AGENT'] as const;

/** google.rpc.Code values the API uses, with the gRPC-gateway HTTP status of each. */
export const GRPC = {
  INVALID_ARGUMENT: { code: 3, status: 400 },
  NOT_FOUND: { code: 5, status: 404 },
  PERMISSION_DENIED: { code: 7, status: 403 },
  RESOURCE_EXHAUSTED: { code: 8, status: 429 },
  INTERNAL: { code: 13, status: 500 },
  UNAVAILABLE: { code: 14, status: 503 },
  UNAUTHENTICATED: { code: 16, status: 401 },
} as const;

/** Token endpoint answer. An empty access_token is an auth failure (checked by the adapter). */
export const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.string().optional(),
  expires_in: z.number().nonnegative().optional(),
});

/** API errors are google.rpc.Status; the token endpoint answers OAuth-style errors. */
const statusBody = z.object({ code: z.number().int(), message: z.string(), details: z.array(z.unknown()).optional() });
const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

export function errorMessage(body: unknown): string | undefined {
  const status = statusBody.safeParse(body);
  if (status.success) return status.data.message || undefined;
  const oauth = oauthError.safeParse(body);
  if (oauth.success) return oauth.data.error_description ? `${oauth.data.error}: ${oauth.data.error_description}` : oauth.data.error;
  return undefined;
}

const timestamp = vendorDate.nullable().optional();
const strings = z.array(z.string()).nullable().optional();

export const user = z.object({
  id: z.string().optional(),
  displayName: z.string().optional(),
  email: z.string().optional(),
  status: openEnum(USER_STATUSES),
  type: openEnum(USER_TYPES),
});

export const servicePrincipal = z.object({
  id: z.string().min(1),
  displayName: z.string().optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
  user: user.nullable().optional(),
});
export type ServicePrincipal = z.output<typeof servicePrincipal>;

export const credential = z.object({
  id: z.string().min(1),
  clientId: z.string().optional(),
  displayName: z.string().optional(),
  servicePrincipalId: z.string().optional(),
  allowSourceCidrs: strings,
  scopedRoleIds: strings,
  requireDpop: z.boolean().optional(),
  createdAt: timestamp,
  // Lenient: an expiry it cannot read makes this credential UNKNOWN, not its tenant's list fail.
  expiresAt: vendorExpiry.optional(),
  lastUsedAt: timestamp,
});
export type Credential = z.output<typeof credential>;

/** `{list, nextPageToken}`; both may be absent (an empty last page is `{}`). */
const page = <T extends z.ZodType>(item: T) =>
  z.object({ list: z.array(item).nullable().optional(), nextPageToken: z.string().nullable().optional() });
export type PageSchema<T extends z.ZodType> = ReturnType<typeof page<T>>;
// Built once, not per call: zod compiles a schema on its first parse.
export const servicePrincipalPage = page(servicePrincipal);
export const credentialPage = page(credential);

export const servicePrincipalEnvelope = z.object({ servicePrincipal: servicePrincipal.nullable().optional() });
export const credentialEnvelope = z.object({ credential: credential.nullable().optional() });
