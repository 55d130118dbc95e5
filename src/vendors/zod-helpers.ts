import { z } from 'zod';

/** A vendor timestamp: any string Date can parse, as a Date. Bad dates fail the response parse. */
export const vendorDate = z.string().transform((s, ctx) => {
  const date = new Date(s); // parsed once: lists carry thousands of these
  if (!Number.isNaN(date.getTime())) return date;
  ctx.issues.push({ code: 'custom', message: 'not a date', input: s });
  return z.NEVER;
});

/**
 * An enum a vendor may extend without notice: unknown values become undefined (null in GraphQL)
 * instead of failing a whole list.
 */
export function openEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values).optional().catch(undefined);
}
