import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UNREADABLE, knownExpiry, vendorDate, vendorExpiry } from '../../src/vendors/zod-helpers.js';

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
  });

  it.each(['1', '5', '2026-11-30', '2026-11-30T23:59:59', '2026-11-30T24:00:00Z', '2026-13-01T00:00:00Z', '2026-04-31T00:00:00Z', '2025-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2100-02-29T00:00:00Z', 'Mon, 30 Nov 2026 23:59:59 GMT', '2026-02-30T00:00:00Z', ''])(
    'refuses %j rather than read it as some other date (or in the host time zone)',
    (text) => {
      expect(vendorDate.safeParse(text).success).toBe(false);
    },
  );
});

describe('vendorExpiry: a credential expiry, read leniently', () => {
  const item = z.object({ id: z.string(), expires_at: vendorExpiry.optional() });

  it('reads an RFC 3339 date-time as its Date, and null or an absent key as no expiry', () => {
    expect(item.parse({ id: 'a', expires_at: '2026-12-01T00:59:59+01:00' }).expires_at).toEqual(new Date('2026-11-30T23:59:59Z'));
    expect(knownExpiry(item.parse({ id: 'a', expires_at: null }).expires_at)).toBeNull();
    expect(item.parse({ id: 'a', expires_at: null }).expires_at).not.toBe(UNREADABLE);
    expect(item.parse({ id: 'a' }).expires_at).toBeUndefined();
  });

  it.each(['soon', '2026-11-30', '2026-11-30T23:59:59', '2026-02-30T00:00:00Z', '', 1798761599, true, { seconds: 1 }, ['2026-11-30T23:59:59Z']])(
    'takes %j as an expiry it cannot read instead of failing the item',
    (value) => {
      const parsed = item.parse({ id: 'a', expires_at: value });
      expect(parsed.expires_at).toBe(UNREADABLE);
      expect(knownExpiry(parsed.expires_at)).toBeNull();
    },
  );

  it('leaves the rest of the item as strict as before', () => {
    expect(item.safeParse({ expires_at: 'soon' }).success).toBe(false);
  });
});
