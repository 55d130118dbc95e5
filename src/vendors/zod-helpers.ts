import { z } from 'zod';

/**
 * An RFC 3339 date-time, as every contract declares them (`format: date-time`), with its offset:
 * `Date` alone would take "1" for 2001 and read a time without offset in the host's time zone.
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** The Date of an RFC 3339 date-time, or null; `Date` alone would roll February 30 over into March. */
function rfc3339(s: string): Date | null {
  if (!RFC3339.test(s)) return null;
  const date = new Date(s);
  const [year, month, day] = [Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))];
  const real = new Date(Date.UTC(year, month - 1, day));
  return Number.isNaN(date.getTime()) || real.getUTCMonth() !== month - 1 || real.getUTCDate() !== day ? null : date;
}

/** A vendor timestamp as a Date. A bad one fails the response parse rather than pass as some other date. */
export const vendorDate = z.string().transform((s, ctx) => {
  const date = rfc3339(s); // parsed once: lists carry thousands of these
  if (date) return date;
  ctx.issues.push({ code: 'custom', message: 'not an RFC 3339 date-time', input: s });
  return z.NEVER;
});

/** The same check for a timestamp kept as its text (to be sent back byte for byte). */
export const isVendorDate = (s: string): boolean => rfc3339(s) !== null;

/**
 * An enum a vendor may extend without notice: unknown values become undefined (null in GraphQL)
 * instead of failing a whole list.
 */
export function openEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values).optional().catch(undefined);
}
