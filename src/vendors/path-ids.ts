import type { Ref } from '../domain/ref.js';
import { ValidationError } from '../errors.js';

export interface PathIdOptions {
  /**
   * How many leading segments are sent to the vendor (they must match `pattern`; default all);
   * the rest are only matched locally (e.g. an Auth0 key's kid within its connection's key list).
   */
  upstream?: number;
  /** The input the id came from, named in the refusal (default `id`). */
  field?: string;
}

/** Checks the vendor path ids a global id carried before any of them goes into a URL. */
export function pathIds(r: Ref, length: 1, pattern: RegExp, options?: PathIdOptions): [string];
export function pathIds(r: Ref, length: 2, pattern: RegExp, options?: PathIdOptions): [string, string];
export function pathIds(r: Ref, length: number, pattern: RegExp, { upstream = length, field = 'id' }: PathIdOptions = {}): string[] {
  if (r.path.length !== length || !r.path.every((p, i) => (i < upstream ? pattern.test(p) : p.length > 0 && p.length <= 255))) {
    throw new ValidationError('Malformed id: not an id issued by this gateway', [{ field, message: 'malformed' }]);
  }
  return [...r.path];
}
