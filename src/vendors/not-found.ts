import { AccountNotFoundError, NotFoundError } from '../errors.js';

/**
 * A 404 of one resource, not of the account it lives in: only that reads as "gone". An account
 * whose own place is missing (AccountNotFoundError) is a failure, never an empty answer.
 */
const gone = (err: unknown): boolean => err instanceof NotFoundError && !(err instanceof AccountNotFoundError);

/** An owner deleted between listing it and listing its credentials: it simply has none. */
export function goneAsEmpty(err: unknown): never[] {
  if (gone(err)) return [];
  throw err;
}

/** `node(id)` semantics: a resource the vendor says does not exist is null, not an error. */
export async function nullIfNotFound<T>(load: () => Promise<T | null>): Promise<T | null> {
  try {
    return await load();
  } catch (err) {
    if (gone(err)) return null;
    throw err;
  }
}
