import type { CredentialChange } from '../../domain/credential.js';
import { ValidationError, type FieldIssue } from '../../errors.js';
import { UNREADABLE, expiryOf } from '../zod-helpers.js';
import type { Credential, UpdateCredentialBody } from './api.js';

/**
 * The vault's limits on an update (contract: name 1-255, description up to 1024; the value cap is
 * our assumption), checked before anything is sent. Messages name fields, never values.
 */
const LIMITS = { name: 255, description: 1024, valueBytes: 65_536 } as const;

export function checkLimits(change: CredentialChange): void {
  const issues: FieldIssue[] = [];
  if (change.name !== undefined && (change.name.length < 1 || [...change.name].length > LIMITS.name)) {
    issues.push({ field: 'input.name', message: `must be 1 to ${LIMITS.name} characters` });
  }
  if (typeof change.description === 'string' && [...change.description].length > LIMITS.description) {
    issues.push({ field: 'input.description', message: `must be at most ${LIMITS.description} characters` });
  }
  if (change.value !== undefined) {
    if (change.value.length === 0) issues.push({ field: 'input.value', message: 'must not be empty' });
    else if (Buffer.byteLength(change.value, 'utf8') > LIMITS.valueBytes) {
      issues.push({ field: 'input.value', message: `must be at most ${LIMITS.valueBytes} bytes (UTF-8)` });
    }
  }
  if (issues.length) {
    throw new ValidationError(`Invalid input for the vault: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`, issues);
  }
}

/**
 * Read-modify-write: whether PUT clears omitted fields is unknown, so the full metadata is always
 * sent — the caller's changes over the current values. `value` only when rotating; `operator`
 * always, for the vault's audit trail.
 */
export function updateBody(current: Credential, change: CredentialChange, operator: string): UpdateCredentialBody {
  const expiresAt = change.expiresAt === undefined ? unchangedExpiry(current) : change.expiresAt === null ? null : change.expiresAt.toISOString();
  return {
    name: change.name ?? unchangedName(current),
    description: change.description === undefined ? unchangedDescription(current) : (change.description ?? ''),
    expiresAt,
    ...(change.value !== undefined ? { value: change.value } : {}),
    operator,
  };
}

/**
 * The current name, to send back. The vault requires one (1-255 characters): a name it sent as
 * something other than a non-empty string (shown as null) cannot be sent back, so the update is
 * refused, unsent, until it sets a name itself.
 */
function unchangedName(current: Credential): string {
  if (typeof current.name === 'string' && current.name !== '') return current.name;
  throw new ValidationError("The credential's current name cannot be read by the gateway, so it cannot be sent back unchanged: set name in this update", [
    { field: 'input.name', message: 'required while the current name is unreadable' },
  ]);
}

/** The current description, to send back; one the gateway cannot read is refused like the name (`""` would clear it unasked). */
function unchangedDescription(current: Credential): string {
  if (current.description !== UNREADABLE) return current.description ?? '';
  throw new ValidationError(
    "The credential's current description cannot be read by the gateway, so it cannot be sent back unchanged: set description (a text, or null to clear it) in this update",
    [{ field: 'input.description', message: 'required while the current description is unreadable' }],
  );
}

/**
 * The current expiry, to send back as the vault wrote it. One the gateway cannot read (status
 * UNKNOWN) it cannot vouch for: sent back it may be refused, and sent as null it would clear the
 * expiry unasked. So the update is refused, unsent, until it sets expiresAt itself.
 */
function unchangedExpiry(current: Credential): string | null {
  if (expiryOf(current.expiresAt) === UNREADABLE) {
    throw new ValidationError(
      "The credential's current expiry cannot be read by the gateway, so it cannot be sent back unchanged: set expiresAt (a date, or null to clear it) in this update",
      [{ field: 'input.expiresAt', message: 'required while the current expiry is unreadable' }],
    );
  }
  return typeof current.expiresAt === 'string' ? current.expiresAt : null;
}
