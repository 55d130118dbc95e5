import { z } from 'zod';
import type { CredentialChange } from '../domain/credential.js';
import { ValidationError } from '../errors.js';

const MAX_YEARS_AHEAD = 100;

export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters');

/**
 * What any vendor could accept (the most generous vendor's limit: the vault's 1024-character
 * description); each vendor's adapter checks its own, narrower limits. Every message is written
 * for the caller (zod's own would leak through as "Too big: expected string to have <=255
 * characters"), and follows the field's path, e.g. `input.name must not be blank`. zod counts
 * lengths in characters (code points), as the vendors count their limits: an emoji is one.
 */
const updateInput = z.object({
  name: z.string().trim().min(1, 'must not be blank').max(255, 'must be at most 255 characters').optional(),
  // Trimmed like name, so a vendor sees one rule; blank is then empty (a clear, where the vendor allows it).
  description: z.string().trim().max(1024, 'must be at most 1024 characters').nullable().optional(),
  expiresAt: z
    .date()
    .refine((d) => d.getTime() > Date.now(), 'must be in the future')
    .refine((d) => d.getFullYear() <= new Date().getFullYear() + MAX_YEARS_AHEAD, `must be within ${MAX_YEARS_AHEAD} years`)
    .nullable()
    .optional(),
  value: z.string().min(1, 'must not be empty').max(65_536, 'must be at most 65536 characters').optional(),
  idempotencyKey: idempotencyKey.optional(),
});

/**
 * Client input (less its id, parsed first: it names the account) → a change holding only the keys
 * the caller set. Messages name fields, never values (`value` is a secret).
 */
export function parseUpdateInput(input: Record<string, unknown>): { change: CredentialChange; idempotencyKey?: string | undefined } {
  if (input.name === null) throw new ValidationError('input.name cannot be cleared', [{ field: 'input.name', message: 'cannot be null' }]);
  if (input.value === null) throw new ValidationError('input.value cannot be cleared', [{ field: 'input.value', message: 'cannot be null' }]);
  const present = Object.fromEntries(Object.entries(input).filter(([k, v]) => k !== 'id' && v !== undefined));
  const parsed = updateInput.safeParse(present);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({ field: ['input', ...i.path].join('.'), message: i.message }));
    throw new ValidationError(`Invalid input: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);
  }
  const { idempotencyKey, ...change } = parsed.data;
  if (Object.keys(change).length === 0) {
    throw new ValidationError('The input changes nothing: set at least one of name, description, expiresAt, value', [
      { field: 'input', message: 'no change requested' },
    ]);
  }
  return { change, idempotencyKey };
}
