import { z } from 'zod';
import { bearerToken, displayDate, displayString, openEnum, vendorExpiry, vendorText } from '../zod-helpers.js';

/**
 * ConductorOne JSON as the gateway reads it (../shared/vendor-apis/conductorone.openapi.yaml).
 * gRPC-transcoded: camelCase, and proto3 JSON leaves out unpopulated fields (false, [], "", null),
 * so every field may be absent. Unknown fields are accepted and dropped (`z.object` strips):
 * nothing reads them, and keeping them copied every field of every listed item. Display-only
 * fields are read leniently (records.ts shows one it cannot read as null, reported); ids strictly.
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
  // Empty: refused by the adapter, with its own message.
  access_token: z.union([z.literal(''), bearerToken]),
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

// Strict: an allow-list shown without an element it could not read would claim wider access than
// ConductorOne grants (empty reads as "any source"), so a bad one still fails the list. Only
// shown, never sent back: each element is made well-formed (vendorText), the list kept whole.
const strings = z.array(vendorText).nullable().optional();

// Only what records.ts reads (the user's id and name are the principal's own).
const user = z.object({
  email: displayString,
  status: openEnum(USER_STATUSES),
  type: openEnum(USER_TYPES),
});

export const servicePrincipal = z.object({
  id: z.string().min(1),
  displayName: displayString,
  createdAt: displayDate,
  updatedAt: displayDate,
  user: user.nullable().optional(),
});
export type ServicePrincipal = z.output<typeof servicePrincipal>;

export const credential = z.object({
  id: z.string().min(1),
  clientId: displayString,
  displayName: displayString,
  servicePrincipalId: z.string().optional(),
  allowSourceCidrs: strings,
  // Strict, as allowSourceCidrs: a list shortened by an odd element would misstate what the credential may do.
  scopedRoleIds: strings,
  // proto3 JSON reads null as the default (false). Anything else still fails: shown as false, a
  // DPoP requirement the gateway could not read would be denied.
  requireDpop: z.boolean().nullish(),
  createdAt: displayDate,
  // Lenient: an expiry it cannot read makes this credential UNKNOWN, not its tenant's list fail.
  expiresAt: vendorExpiry.optional(),
  lastUsedAt: displayDate,
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
