import { describe, expect, it } from 'vitest';
import { isVendorDate, vendorDate } from '../../src/vendors/zod-helpers.js';

describe('vendorDate: a vendor timestamp', () => {
  it.each([
    ['2026-11-30T23:59:59Z', '2026-11-30T23:59:59.000Z'],
    ['2026-11-30T23:59:59.123456789Z', '2026-11-30T23:59:59.123Z'],
    ['2026-12-01T00:59:59+01:00', '2026-11-30T23:59:59.000Z'],
    ['2026-11-30t23:59:59z', '2026-11-30T23:59:59.000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z'],
  ])('reads the RFC 3339 date-time %s', (text, iso) => {
    expect(vendorDate.parse(text).toISOString()).toBe(iso);
    expect(isVendorDate(text)).toBe(true);
  });

  it.each(['1', '5', '2026-11-30', '2026-11-30T23:59:59', '2026-11-30T24:00:00Z', '2026-13-01T00:00:00Z', '2026-04-31T00:00:00Z', '2025-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2100-02-29T00:00:00Z', 'Mon, 30 Nov 2026 23:59:59 GMT', '2026-02-30T00:00:00Z', ''])(
    'refuses %j rather than read it as some other date (or in the host time zone)',
    (text) => {
      expect(vendorDate.safeParse(text).success).toBe(false);
      expect(isVendorDate(text)).toBe(false);
    },
  );
});
