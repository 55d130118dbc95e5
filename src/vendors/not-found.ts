import { AccountNotFoundError, NotFoundError } from '../errors.js';

/**
 * A 404 of one resource, not of the account it lives in: only that reads as "gone". An account
 * whose own place is missing (AccountNotFoundError) is a failure, never an empty answer.
 */
const gone = (err: unknown): err is NotFoundError => err instanceof NotFoundError && !(err instanceof AccountNotFoundError);

/**
 * A 404 of the account's own list (a Keycard organization's service accounts, an Auth0 tenant's
 * clients or connections): not one owner gone but the place they all live in missing, so the
 * account fails rather than reading as owners deleted (`node` null, an owner without credentials).
 */
export function accountMissing(err: unknown): never {
  if (gone(err)) throw new AccountNotFoundError(err.message, err.source);
  throw err;
}

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
