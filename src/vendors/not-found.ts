import { NotFoundError } from '../errors.js';

/** An owner deleted between listing it and listing its credentials: it simply has none. */
export function goneAsEmpty(err: unknown): never[] {
  if (err instanceof NotFoundError) return [];
  throw err;
}

/** `node(id)` semantics: a resource the vendor says does not exist is null, not an error. */
export async function nullIfNotFound<T>(load: () => Promise<T | null>): Promise<T | null> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}
