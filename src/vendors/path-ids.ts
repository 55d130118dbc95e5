import type { Ref } from '../domain/ref.js';
import { ValidationError } from '../errors.js';

/**
 * Checks the vendor path ids a global id carried before any of them goes into a URL. `upstream`
 * is how many leading segments are sent to the vendor (they must match `pattern`); the rest are
 * only matched locally (e.g. an Auth0 key's kid within its connection's key list).
 */
export function pathIds(r: Ref, length: 1, pattern: RegExp): [string];
export function pathIds(r: Ref, length: 2, pattern: RegExp, upstream?: number): [string, string];
export function pathIds(r: Ref, length: number, pattern: RegExp, upstream = length): string[] {
  if (r.path.length !== length || !r.path.every((p, i) => (i < upstream ? pattern.test(p) : p.length > 0 && p.length <= 255))) {
    throw new ValidationError('Malformed id: not an id issued by this gateway', [{ field: 'id', message: 'malformed' }]);
  }
  return [...r.path];
}
