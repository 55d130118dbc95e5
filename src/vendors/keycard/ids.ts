import type { Ref } from '../../domain/ref.js';
import { ValidationError } from '../../errors.js';
import { pathIds } from '../path-ids.js';

/**
 * A Keycard path id: 1–255 characters (ids are nanoids, but an organization may be addressed by
 * its label, so `/`, `%` or unicode are legitimate and get encoded as one path segment). Refused:
 * control characters, unpaired surrogates (not encodable), and `.` / `..`, which RFC 3986 dot-segment
 * removal would resolve away even when percent-encoded.
 */
export const KEYCARD_ID = /^(?!\.{1,2}$)[^\p{Cc}\p{Cs}]{1,255}$/u;

export const ID_RULE = '1-255 characters, no control characters, not "." or ".."';

/** `pathIds` for Keycard refs, with the refusal naming the input field the id came from. */
export function keycardIds(r: Ref, length: 1, field: string): [string];
export function keycardIds(r: Ref, length: 2, field: string): [string, string];
export function keycardIds(r: Ref, length: 1 | 2, field: string): string[] {
  try {
    return length === 1 ? pathIds(r, 1, KEYCARD_ID, { field }) : pathIds(r, 2, KEYCARD_ID, { field });
  } catch (err) {
    // Only an id of the right shape broke Keycard's rule; a wrong number of parts was never issued here.
    if (!(err instanceof ValidationError) || r.path.length !== length) throw err;
    throw new ValidationError(`Malformed id: Keycard ids must be ${ID_RULE}`, [{ field, message: `malformed: ids must be ${ID_RULE}` }]);
  }
}
