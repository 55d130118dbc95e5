import { z } from 'zod';
import { credentialChange, expiryProblem, type CredentialChange } from '../domain/credential.js';
import { ValidationError, type FieldIssue } from '../errors.js';

// Visible ASCII: a space, though printable, is refused (a key copied with one around it would not match).
export const IDEMPOTENCY_KEY_RULE = 'must be 1-255 visible ASCII characters (no spaces)';
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/, IDEMPOTENCY_KEY_RULE);

/**
 * `UpdateCredentialInput` less its id: the change, and the idempotency key. Strict: a field the
 * GraphQL input has and this does not is never dropped unseen (mutations.ts checks the two name
 * the same fields at compile time, test/schema/inputs.test.ts in the built schema).
 */
// A null key is no key, as for rotateConnectionKeys: typed clients send null for a variable left unset.
const updateInput = credentialChange.extend({ idempotencyKey: idempotencyKey.nullish() });
export const UPDATE_INPUT_FIELDS = updateInput.keyof().options;
export type UpdateInputField = (typeof UPDATE_INPUT_FIELDS)[number];

/** The fields a change may set, in the schema's order. */
export const CHANGE_FIELDS = credentialChange.keyof().options;
/** Those a caller cannot clear: their schema refuses null (the rest take null as "clear"). */
const UNCLEARABLE = CHANGE_FIELDS.filter((field) => !credentialChange.shape[field].safeParse(null).success);

/**
 * Client input (less its id, parsed first: it names the account) → a change holding only the keys
 * the caller set. Messages name fields, never values (`value` is a secret).
 */
export function parseUpdateInput(input: { readonly [K in UpdateInputField | 'id']?: unknown }): { change: CredentialChange; idempotencyKey?: string | undefined } {
  const cleared = UNCLEARABLE.find((field) => input[field] === null);
  if (cleared) throw new ValidationError(`input.${cleared} cannot be cleared`, [{ field: `input.${cleared}`, message: 'cannot be null' }]);
  const present = Object.fromEntries(Object.entries(input).filter(([k, v]) => k !== 'id' && v !== undefined));
  const parsed = updateInput.safeParse(present);
  if (!parsed.success) {
    const unknown = parsed.error.issues.find((i) => i.code === 'unrecognized_keys');
    // The GraphQL input has a field this parser lacks: the gateway's fault, not the caller's.
    if (unknown) throw new Error(`UpdateCredentialInput has fields parseUpdateInput does not know: ${unknown.keys.join(', ')}`);
    const fields = parsed.error.issues.map((i) => ({ field: ['input', ...i.path].join('.'), message: i.message }));
    // Refused anyway: its expiry's problem too, in field order, so one answer names every fix.
    const expiry = present.expiresAt instanceof Date ? expiryProblem(present.expiresAt, Date.now()) : null;
    if (expiry) {
      const after = fields.findIndex((f) => UPDATE_INPUT_FIELDS.indexOf(f.field.split('.')[1] as UpdateInputField) > UPDATE_INPUT_FIELDS.indexOf('expiresAt'));
      fields.splice(after === -1 ? fields.length : after, 0, { field: 'input.expiresAt', message: expiry });
    }
    throw invalid(fields);
  }
  const { idempotencyKey: key, ...change } = parsed.data;
  if (Object.keys(change).length === 0) {
    throw new ValidationError(`The input changes nothing: set at least one of ${CHANGE_FIELDS.join(', ')}`, [{ field: 'input', message: 'no change requested' }]);
  }
  return { change, idempotencyKey: key ?? undefined };
}

const invalid = (fields: FieldIssue[]) => new ValidationError(`Invalid input: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);

/**
 * Refuses a change whose new expiry is not ahead of `now` (or is too far ahead: expiryProblem). Called when the change is about to be
 * made: after an idempotency key's lookup, whose replay of a first outcome must not depend on the
 * time of the retry (an expiry set a minute ahead has passed when the retry comes two minutes later).
 */
export function checkExpiry(change: CredentialChange, now = Date.now()): void {
  const problem = expiryProblem(change.expiresAt, now);
  if (problem) throw invalid([{ field: 'input.expiresAt', message: problem }]);
}
