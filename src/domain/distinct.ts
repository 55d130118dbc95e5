import type { CredentialRecord } from './credential.js';
import { refKey } from './ref.js';

/**
 * One account's credentials with each ref once, the first kept: a vendor list that changed between
 * its pages, or a vendor repeating an item (or an owner), must not give two edges with one id and
 * inflate `totalCount`. Keyed by externalId first, a string every record already has: only a
 * repeated one (rare, and legitimate across owners) pays for building full ref keys.
 */
export function distinctCredentials(list: CredentialRecord[]): CredentialRecord[] {
  const ids = new Set<string>();
  for (const c of list) {
    if (ids.has(c.externalId)) return byRef(list);
    ids.add(c.externalId);
  }
  return list;
}

function byRef(list: CredentialRecord[]): CredentialRecord[] {
  const seen = new Set<string>();
  return list.filter((c) => {
    const key = refKey(c.ref);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
