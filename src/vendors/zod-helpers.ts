import { z } from 'zod';

/** A vendor timestamp: any string Date can parse, as a Date. Bad dates fail the response parse. */
export const vendorDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a date')
  .transform((s) => new Date(s));

/**
 * An enum a vendor may extend without notice: unknown values become undefined (null in GraphQL)
 * instead of failing a whole list.
 */
export function openEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values).optional().catch(undefined);
}
