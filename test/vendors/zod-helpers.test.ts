import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  UNREADABLE,
  displayDate,
  displayString,
  displayStrings,
  knownExpiry,
  sentBackString,
  shown,
  shownList,
  vendorDate,
  vendorExpiry,
  type OnUnreadable,
} from '../../src/vendors/zod-helpers.js';

describe('vendorDate: a vendor timestamp', () => {
  it.each([
    ['2026-11-30T23:59:59Z', '2026-11-30T23:59:59.000Z'],
    ['2026-11-30T23:59:59.123456789Z', '2026-11-30T23:59:59.123Z'],
    ['2026-12-01T00:59:59+01:00', '2026-11-30T23:59:59.000Z'],
    ['2026-11-30t23:59:59z', '2026-11-30T23:59:59.000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z'],
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['0000-01-01T00:59:59-01:00', '0000-01-01T01:59:59.000Z'],
    // Past the years a DateTime writes in UTC: held at the nearest one it can.
    ['9999-12-31T23:59:59-01:00', '9999-12-31T23:59:59.999Z'],
    ['0000-01-01T00:00:00+00:01', '0000-01-01T00:00:00.000Z'],
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

describe('display-only fields, read leniently', () => {
  const item = z.object({ id: z.string(), name: displayString, created_at: displayDate, roles: displayStrings });
  const reports = () => {
    const told: string[] = [];
    const report: OnUnreadable = (field, id, shownAs) => told.push(`${field} ${id} ${shownAs}`);
    return { told, report };
  };

  it('keeps a string, a date and a list of strings as they are, the list itself not copied, reporting nothing', () => {
    const roles = ['r1', 'r2'];
    const parsed = item.parse({ id: 'a', name: 'n', created_at: '2026-12-01T00:59:59+01:00', roles });
    const { told, report } = reports();
    expect(shown(parsed.name, 'name', 'a', report)).toBe('n');
    expect(shown(parsed.created_at, 'created_at', 'a', report)).toEqual(new Date('2026-11-30T23:59:59Z'));
    expect(shownList(parsed.roles, 'roles', 'a', report)).toBe(roles);
    expect(told).toEqual([]);
  });

  it('takes absent and null as none, not as unreadable', () => {
    const { told, report } = reports();
    for (const parsed of [item.parse({ id: 'a' }), item.parse({ id: 'a', name: null, created_at: null, roles: null })]) {
      expect(shown(parsed.name, 'name', 'a', report)).toBeNull();
      expect(shown(parsed.created_at, 'created_at', 'a', report)).toBeNull();
      expect(shownList(parsed.roles, 'roles', 'a', report)).toEqual([]);
    }
    expect(told).toEqual([]);
  });

  it.each([123, true, { first: 'n' }, ['n']])('shows a name of %j as null and reports it, naming field and item only', (name) => {
    const { told, report } = reports();
    expect(shown(item.parse({ id: 'a', name }).name, 'name', 'a', report)).toBeNull();
    expect(told).toEqual(['name a null']);
  });

  it.each(['2024-01-01', '2026-11-30T23:59:59', 'yesterday', '1', 1704067200, { seconds: 1 }])('shows a date of %j as null and reports it', (created_at) => {
    const { told, report } = reports();
    expect(shown(item.parse({ id: 'a', created_at }).created_at, 'created_at', 'a', report)).toBeNull();
    expect(told).toEqual(['created_at a null']);
  });

  it('leaves out the elements of a list it cannot read, and shows a list that is no list as empty, reporting each', () => {
    const { told, report } = reports();
    expect(shownList(item.parse({ id: 'a', roles: ['r1', null, 7, 'r2'] }).roles, 'roles', 'a', report)).toEqual(['r1', 'r2']);
    expect(shownList(item.parse({ id: 'b', roles: 'r1' }).roles, 'roles', 'b', report)).toEqual([]);
    expect(told).toEqual(['roles a left out', 'roles b empty']);
  });

  it('leaves the rest of the item as strict as before', () => {
    expect(item.safeParse({ name: 'n' }).success).toBe(false);
  });

  it('shows an unpaired surrogate in a string or a list as U+FFFD, which is no unreadable value: nothing reported', () => {
    const { told, report } = reports();
    const parsed = item.parse({ id: 'a\ud800', name: 'key \ud83d', roles: ['r1', '\udc00r2', 7] });
    expect(parsed.id).toBe('a\ud800'); // an id is the vendor's, as sent
    expect(shown(parsed.name, 'name', 'a', report)).toBe('key \ufffd');
    expect(shownList(parsed.roles, 'roles', 'a', report)).toEqual(['r1', '\ufffdr2']);
    expect(shownList(item.parse({ id: 'b', roles: ['\ud800'] }).roles, 'roles', 'b', report)).toEqual(['\ufffd']);
    expect(told).toEqual(['roles a left out']); // the 7, not the surrogates
  });

  it('keeps a string sent back upstream (sentBackString) as the vendor sent it, read as leniently', () => {
    const sentBack = z.object({ name: sentBackString });
    expect(sentBack.parse({ name: 'key \ud83d' }).name).toBe('key \ud83d');
    expect(sentBack.parse({ name: 7 }).name).toBe(UNREADABLE);
  });
});
