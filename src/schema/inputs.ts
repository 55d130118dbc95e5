import { z } from 'zod';
import type { CredentialChange } from '../domain/credential.js';
import { ValidationError } from '../errors.js';

const MAX_YEARS_AHEAD = 100;

export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters');

/**
 * What any vendor could accept (the most generous vendor's limit: the vault's 1024-character
 * description); each vendor's adapter checks its own, narrower limits.
 */
const updateInput = z.object({
  id: z.string().min(1).max(2048),
  name: z.string().trim().min(1, 'must not be blank').max(255).optional(),
  description: z.string().max(1024).nullable().optional(),
  expiresAt: z
    .date()
    .refine((d) => d.getTime() > Date.now(), 'must be in the future')
    .refine((d) => d.getFullYear() <= new Date().getFullYear() + MAX_YEARS_AHEAD, `must be within ${MAX_YEARS_AHEAD} years`)
    .nullable()
    .optional(),
  value: z.string().min(1, 'must not be empty').max(65_536).optional(),
  idempotencyKey: idempotencyKey.optional(),
});

/**
 * Client input → a change holding only the keys the caller set. Messages name fields, never
 * values (`value` is a secret).
 */
export function parseUpdateInput(input: Record<string, unknown>): { id: string; change: CredentialChange; idempotencyKey?: string | undefined } {
  if (input.name === null) throw new ValidationError('name cannot be cleared', [{ field: 'input.name', message: 'cannot be null' }]);
  if (input.value === null) throw new ValidationError('value cannot be cleared', [{ field: 'input.value', message: 'cannot be null' }]);
  const present = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const parsed = updateInput.safeParse(present);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({ field: ['input', ...i.path].join('.'), message: i.message }));
    throw new ValidationError(`Invalid input: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);
  }
  const { id, idempotencyKey, ...change } = parsed.data;
  if (Object.keys(change).length === 0) {
    throw new ValidationError('The input changes nothing: set at least one of name, description, expiresAt, value', [
      { field: 'input', message: 'no change requested' },
    ]);
  }
  return { id, change, idempotencyKey };
}
