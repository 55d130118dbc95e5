import type { CredentialRecord } from './credential.js';
import { refKey } from './ref.js';

/**
 * A credential's place in every list of them (`credentials`, an owner's `credentials`): soonest
 * expiry first (an unreadable one before all, then one without a date its vendor says has expired
 * or is expiring), never-expiring last; ties by a stable key, so cursors survive refetches. The key is computed only when needed (a tie, a cursor): most
 * credentials of a list never need it.
 */
const UNDATED = { EXPIRED: Number.MIN_SAFE_INTEGER + 1, EXPIRING: Number.MIN_SAFE_INTEGER + 2, NONE: Number.MAX_SAFE_INTEGER } as const;

export class SortKey {
  readonly time: number;
  private ref: string | undefined;
  constructor(readonly credential: CredentialRecord) {
    const c = credential;
    // An unreadable expiry may be past: it comes first, before the soonest. Without a date, a
    // vendor's verdict places it next (fixed places, so cursors do not move with the clock).
    this.time = c.expiresAt?.getTime() ?? (c.expiryUnknown ? Number.MIN_SAFE_INTEGER : UNDATED[c.vendorVerdict ?? 'NONE']);
  }
  get id(): string {
    return (this.ref ??= refKey(this.credential.ref));
  }
  get pair(): [number, string] {
    return [this.time, this.id];
  }
}
export type Key = { readonly time: number; readonly id: string };
export function compareKeys(a: Key, b: Key): number {
  return a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** `list` in that order, as a new array (a session's cached list is not reordered in place). */
export function inExpiryOrder(list: readonly CredentialRecord[]): CredentialRecord[] {
  return list
    .map((c) => new SortKey(c))
    .sort(compareKeys)
    .map((k) => k.credential);
}
