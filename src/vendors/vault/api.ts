import { z } from 'zod';
import { displayDate, displayString, openEnum, sentBackString } from '../zod-helpers.js';

/**
 * The vault's JSON, as far as the gateway reads it (../shared/vendor-apis/vault.openapi.yaml).
 * Only PUT is from the seed; GET, the list, errors and paging are extrapolated in gRPC-gateway
 * style (camelCase, pageSize/pageToken, google.rpc.Status-like errors).
 */

export const CREDENTIAL_TYPES = [
  'CREDENTIAL_TYPE_UNSPECIFIED',
  'CREDENTIAL_TYPE_PASSWORD',
  'CREDENTIAL_TYPE_API_KEY',
  'CREDENTIAL_TYPE_TLS_CERTIFICATE',
  'CREDENTIAL_TYPE_SSH_KEY',
] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export const HEALTH_STATUSES = [
  'CREDENTIAL_HEALTH_STATUS_UNSPECIFIED',
  'CREDENTIAL_HEALTH_STATUS_VALID',
  'CREDENTIAL_HEALTH_STATUS_EXPIRING',
  'CREDENTIAL_HEALTH_STATUS_EXPIRED',
] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** Page size the gateway asks for: the contract's maximum. */
export const MAX_PAGE_SIZE = 100;

/** Metadata only: the secret `value` is write-only and never read, even if a vault sent it. */
export const credential = z.looseObject({
  uuid: z.string().min(1),
  // Display-only, read leniently (records.ts shows one it cannot read as null, reported). proto3
  // JSON omits empty strings; some serializers send null. An update sends them back only when
  // they are readable strings (update.ts), as the vault sent them: records.ts makes them
  // well-formed to show them, not here, or an update of the value alone would rename.
  name: sentBackString,
  description: sentBackString,
  type: openEnum(CREDENTIAL_TYPES),
  healthStatus: openEnum(HEALTH_STATUSES),
  // Kept as the vault sent it: read-modify-write sends an unchanged expiry back byte for byte
  // (protobuf timestamps may carry nanoseconds that a Date would drop). Read by records.ts, where
  // one that is not an RFC 3339 date-time makes this credential UNKNOWN rather than fail the list.
  expiresAt: z.unknown().optional(),
  createdBy: displayString,
  // Shown, not acted on, and their format only assumed by the contract: records.ts shows one it
  // cannot read as null, reported, rather than failing the vault's whole list.
  createDate: displayDate,
  lastOpDate: displayDate,
});
export type Credential = z.output<typeof credential>;

export const credentialPage = z.object({
  credentials: z.array(credential),
  /** Absent or empty on the last page. */
  nextPageToken: z.string().nullish(),
  // Unused, and proto3 JSON writes an int64 as a string: either form is accepted.
  totalSize: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).nullish(),
});

/** The PUT body (seed field names). `value` is present only to rotate the secret. */
export interface UpdateCredentialBody {
  name: string;
  /** `""` clears: the contract types it as a plain string, with no null. */
  description: string;
  expiresAt: string | null;
  value?: string;
  operator: string;
}

/** google.rpc.Status-like: `{code, message, details}`; details may hold a BadRequest. */
const errorBody = z.object({
  code: z.number().int().optional(),
  message: z.string(),
  details: z
    .array(
      z.looseObject({
        '@type': z.string().optional(),
        fieldViolations: z.array(z.object({ field: z.string().optional(), description: z.string().optional() })).optional(),
      }),
    )
    .optional()
    .catch(undefined),
});

/** The vendor's message plus any field violations; the HTTP client redacts and truncates it. */
export function errorMessage(body: unknown): string | undefined {
  const parsed = errorBody.safeParse(body);
  if (!parsed.success) return undefined;
  const violations = (parsed.data.details ?? [])
    .flatMap((d) => d.fieldViolations ?? [])
    .map((v) => [v.field, v.description].filter(Boolean).join(': '))
    .filter(Boolean);
  return violations.length ? `${parsed.data.message} (${violations.join('; ')})` : parsed.data.message;
}
