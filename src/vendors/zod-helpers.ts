import { z } from 'zod';
import { wellFormed } from '../text.js';

/**
 * An RFC 3339 date-time, as every contract declares them (`format: date-time`), with its offset:
 * `Date` alone would take "1" for 2001 and read a time without offset in the host's time zone.
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const FIRST_TIME = Date.parse('0000-01-01T00:00:00Z');
const LAST_TIME = Date.parse('9999-12-31T23:59:59.999Z');
/** The number written by `length` ASCII digits from `at` (the regex has checked they are digits). */
function digits(s: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) value = value * 10 + s.charCodeAt(i) - 48;
  return value;
}

/**
 * The Date of an RFC 3339 date-time, or null. The calendar is checked by hand (`Date` would roll
 * February 30 over into March), without a second Date: lists carry thousands of these.
 */
function rfc3339(s: string): Date | null {
  if (!RFC3339.test(s)) return null;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return null;
  const date = new Date(s);
  const time = date.getTime();
  if (Number.isNaN(time)) return null;
  // An offset can carry 0000-01-01 or 9999-12-31 out of the years an RFC 3339 date-time writes in
  // UTC, as the DateTime scalar answers ("+010000-…" is none): held at the nearest it can write,
  // hours away at most, which changes no status.
  return time > LAST_TIME ? new Date(LAST_TIME) : time < FIRST_TIME ? new Date(FIRST_TIME) : date;
}

/** A vendor timestamp as a Date. A bad one fails the response parse rather than pass as some other date. */
export const vendorDate = z.string().transform((s, ctx) => {
  const date = rfc3339(s);
  if (date) return date;
  ctx.issues.push({ code: 'custom', message: 'not an RFC 3339 date-time', input: s });
  return z.NEVER;
});

/**
 * An access token as a token endpoint issues it, to be sent as `Authorization: Bearer …`: visible
 * ASCII only (RFC 6750's b64token is a subset). One with a line break, a space or a non-ASCII
 * character cannot go in a header: cached, it failed every call of the account as unreachable
 * until it expired; refused here, the token request fails and the next caller asks anew.
 */
export const bearerToken = z.string().regex(/^[\x21-\x7e]+$/);

/**
 * A value the vendor sent that the gateway cannot read: an expiry or display date that is not an
 * RFC 3339 date-time, a display string that is not a string… A sentinel, not a wrapper object:
 * lists carry thousands of these fields, and a valid value must cost no allocation.
 */
export const UNREADABLE = Symbol('unreadable value');
export type Unreadable = typeof UNREADABLE;
export type Expiry = Date | null | Unreadable;

/** An expiry as the vendor sent it: absent or null is none, an RFC 3339 date-time its Date, anything else UNREADABLE. */
export function expiryOf(value: unknown): Expiry {
  if (value === undefined || value === null) return null;
  return (typeof value === 'string' && rfc3339(value)) || UNREADABLE;
}

/**
 * A credential's expiry, read leniently: one the gateway cannot read makes that one credential
 * UNKNOWN (its record says so) instead of failing its account's whole list, as `vendorDate` would.
 * In an object, add `.optional()`: zod takes a transformed key as required even when it accepts
 * undefined.
 */
export const vendorExpiry = z.unknown().transform(expiryOf);

/** A record's `expiresAt`: null for none and for an unreadable one (the record's `expiryUnknown` tells them apart). */
export const knownExpiry = (expiry: Expiry | undefined): Date | null => (expiry instanceof Date ? expiry : null);

/**
 * An enum a vendor may extend without notice: unknown values become undefined (null in GraphQL)
 * instead of failing a whole list.
 */
export function openEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values).optional().catch(undefined);
}

/** How an unreadable value is shown instead: null, status UNKNOWN, an empty string, or a list without it. */
export type ShownAs = 'null' | 'UNKNOWN' | 'empty' | 'left out';
/** Told which field of which item could not be read (never the value): UnreadableValues.report. */
export type OnUnreadable = (field: string, item: string, shownAs: ShownAs) => void;

/**
 * A vendor string the gateway shows and never sends back (a name, a CIDR shown as listed…), made
 * well-formed (wellFormed, src/text.ts). Never for an id or a cursor: changed, it would address
 * something else upstream. `.overwrite`, a check, not a transform: zod keeps it a string schema,
 * with no pipe around it (a transform cost twice as much per string).
 */
export const vendorText = z.string().overwrite(wellFormed);

/**
 * A display-only string (a name, a description, a DN…), read leniently: absent or null is none,
 * and one that is not a string UNREADABLE, shown as null (and reported, by `shown`) instead of
 * failing its account's whole list. Never for an id or a field that decides kind or status.
 * Made well-formed (vendorText). `.catch`, not a transform: a valid string costs what `vendorText`
 * costs (zod compiles it into the object's parser), and only a bad one takes the catch path. The
 * cast gives the catch value its type (zod types it as the inner output) and keeps the key optional.
 */
export const displayString = vendorText.nullish().catch(UNREADABLE as never) as unknown as z.ZodOptional<z.ZodType<string | null | Unreadable>>;

/**
 * A display string the gateway sends back upstream unchanged (the vault's read-modify-write), read
 * like `displayString` but kept as the vendor sent it: made well-formed, it would be changed
 * unasked. Its record shows it through `wellFormed`.
 */
export const sentBackString = z
  .string()
  .nullish()
  .catch(UNREADABLE as never) as unknown as z.ZodOptional<z.ZodType<string | null | Unreadable>>;

/**
 * A display-only date (created, updated, last used), read leniently like `vendorExpiry`: absent or
 * null is none, one that is not an RFC 3339 date-time UNREADABLE (shown as null by `shown`).
 */
export const displayDate = z.unknown().transform(expiryOf).optional();

/** What is left of a display list after the elements the gateway cannot read were left out. */
export class Remainder {
  constructor(readonly kept: readonly string[]) {}
}

/**
 * A display list of strings as sent, made well-formed: absent or null is none, not a list
 * UNREADABLE, bad elements left out.
 */
function textsOf(value: unknown): readonly string[] | Remainder | null | Unreadable {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return UNREADABLE;
  // The common case, every element well-formed text, returns the array itself: nothing copied.
  for (const element of value) {
    if (typeof element !== 'string' || !element.isWellFormed()) {
      const texts = value.filter((e): e is string => typeof e === 'string').map(wellFormed);
      return texts.length === value.length ? texts : new Remainder(texts);
    }
  }
  return value as string[];
}

/** A display-only list of strings (role ids, realms): elements that are not strings are left out (reported by `shownList`). */
export const displayStrings = z.unknown().transform(textsOf).optional();

/**
 * A lenient display value as a record holds it: UNREADABLE becomes null and is reported, naming
 * the field and the item (never the value); absent becomes null.
 */
export function shown<T>(value: T | null | undefined | Unreadable, field: string, item: string, report: OnUnreadable): Exclude<T, Unreadable> | null {
  if (value === UNREADABLE) {
    report(field, item, 'null');
    return null;
  }
  return (value ?? null) as Exclude<T, Unreadable> | null;
}

/**
 * A name or description as a record holds it: read like `shown`, and empty text is none (null).
 * Vendors write "not set" as an absent field or as "" (Auth0's credential name defaults to ""):
 * either way `name` and `description` answer null, the same for every vendor.
 */
export function shownText(value: string | null | undefined | Unreadable, field: string, item: string, report: OnUnreadable): string | null {
  return shown(value, field, item, report) || null;
}

/** A lenient display list as a record holds it: absent is empty; one not a list, or elements left out, are reported. */
export function shownList(value: readonly string[] | Remainder | null | undefined | Unreadable, field: string, item: string, report: OnUnreadable): readonly string[] {
  if (value === undefined || value === null) return [];
  if (value === UNREADABLE) {
    report(field, item, 'empty');
    return [];
  }
  if (value instanceof Remainder) {
    report(field, item, 'left out');
    return value.kept;
  }
  return value;
}
