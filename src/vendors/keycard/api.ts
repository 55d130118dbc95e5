import { z } from 'zod';
import { bearerToken, displayDate, displayString } from '../zod-helpers.js';

/**
 * Keycard management API JSON, as far as the gateway reads it (shared/vendor-apis/keycard).
 * Unknown fields are accepted and dropped (`z.object` strips): nothing reads them, and keeping
 * them copied every field of every listed item. Display-only fields are read leniently (records.ts
 * shows one it cannot read as null, reported); ids strictly.
 */

/** Credential `description` limit on create and update. */
export const MAX_DESCRIPTION = 500;
/** `limit` on list calls is 1–100; the gateway always asks for the most. */
export const PAGE_SIZE = 100;
/** …except when only asking whether the organization answers at all. */
export const MIN_PAGE_SIZE = 1;

export const tokenResponse = z.object({
  access_token: bearerToken,
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'not a bearer token'),
  expires_in: z.number().positive(),
  // `refresh_token` is dropped here: the gateway simply repeats the client-credentials grant.
});

const errorBody = z.object({ message: z.string(), code: z.string().optional(), status: z.number().optional() });

export function errorMessage(body: unknown): string | undefined {
  const parsed = errorBody.safeParse(body);
  if (!parsed.success) return undefined;
  return parsed.data.code ? `${parsed.data.message} (${parsed.data.code})` : parsed.data.message;
}

/**
 * A resource type's or a permission's name. Strict, like the grants: one with an unpaired
 * surrogate fails the map rather than be shown with U+FFFD, which could merge two names into one
 * key, one grant overwriting the other.
 */
const permissionName = z.string().refine((s) => s.isWellFormed(), 'not well-formed Unicode');
/** Only with `expand=permissions`: resource type → permission → granted. */
const permissions = z.record(permissionName, z.record(permissionName, z.boolean()));
export type Permissions = z.output<typeof permissions>;

/** Organization-scoped lists say `has_prev_page` (zone-scoped ones `has_previous_page`); only the forward half is read. */
const pageInfo = z.object({
  has_next_page: z.boolean(),
  end_cursor: z.string().nullish(),
});

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), page_info: pageInfo });

export const serviceAccount = z.object({
  id: z.string().min(1),
  name: displayString,
  description: displayString,
  created_at: displayDate,
  updated_at: displayDate,
  permissions: permissions.optional(),
});
export type ServiceAccount = z.output<typeof serviceAccount>;

/** Credential metadata; `client_secret` exists only in the create response and is never read. */
export const credential = z.object({
  id: z.string().min(1),
  client_id: displayString,
  name: displayString,
  description: displayString,
  created_at: displayDate,
  last_used_at: displayDate,
  permissions: permissions.optional(),
});
export type Credential = z.output<typeof credential>;

/** Just the permissions of an expanded resource (list items or a single get). */
export const withPermissions = z.object({ id: z.string().min(1), permissions: permissions.optional() });

// Built once, not per call: zod compiles a schema on its first parse.
export const serviceAccountPage = page(serviceAccount);
export const credentialPage = page(credential);
export const permissionsPage = page(withPermissions);
