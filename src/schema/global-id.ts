import { ValidationError } from '../errors.js';
import type { Ref } from '../domain/ref.js';

/**
 * Global ids are base64url of `Typename:["account","pathId",…]`: opaque to clients, stable across
 * restarts, and self-contained (account + vendor path ids), so any gateway replica can resolve one.
 */
export function encodeGlobalId(typename: string, localId: string | number | bigint): string {
  return Buffer.from(`${typename}:${localId}`, 'utf8').toString('base64url');
}

/**
 * Longer than any id this gateway issues: the longest, a Keycard credential's (two ids of up to 255
 * characters, each up to 4 UTF-8 bytes, in a 64-character account), is 2,843 characters.
 */
const MAX_GLOBAL_ID = 4096;

/** `field`: the input the id came from, named in the error (`id`, `input.id`, `filter.owner`, …). */
export function decodeGlobalId(globalId: string, field = 'id'): { typename: string; id: string } {
  const malformed = () => new ValidationError('Malformed id: not an id issued by this gateway', [{ field, message: 'malformed' }]);
  if (globalId.length === 0 || globalId.length > MAX_GLOBAL_ID || !/^[A-Za-z0-9_-]+=*$/.test(globalId)) throw malformed();
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) throw malformed();
  return { typename: text.slice(0, colon), id: text.slice(colon + 1) };
}

function localId(r: Ref): string {
  return JSON.stringify([r.account, ...r.path]);
}

export function globalIdOf(r: Ref): string {
  return encodeGlobalId(r.typename, localId(r));
}

/** Parses a global id into a Ref; any shape this gateway did not issue is a ValidationError. */
export function parseGlobalId(globalId: string, field = 'id'): Ref {
  const { typename, id } = decodeGlobalId(globalId, field);
  let parts: unknown;
  try {
    parts = JSON.parse(id);
  } catch {
    parts = undefined;
  }
  if (
    !/^[A-Za-z][A-Za-z0-9]*$/.test(typename) ||
    !Array.isArray(parts) ||
    parts.length < 2 ||
    !parts.every((p) => typeof p === 'string' && p.length > 0)
  ) {
    throw new ValidationError('Malformed id: not an id issued by this gateway', [{ field, message: 'malformed' }]);
  }
  const [account, ...path] = parts as string[];
  return { typename, account: account!, path };
}
