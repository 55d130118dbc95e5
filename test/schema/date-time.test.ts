import { Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DateTime } from '../../src/schema/date-time.js';

describe('DateTime', () => {
  it('serialises a Date to the ISO string JSON.stringify would have written', () => {
    const date = new Date('2027-10-27T14:52:34.328Z');
    expect(DateTime.serialize(date)).toBe('2027-10-27T14:52:34.328Z');
    expect(JSON.stringify({ at: DateTime.serialize(date) })).toBe(JSON.stringify({ at: date }));
  });

  it('serialises a date-time string as its UTC ISO form', () => {
    expect(DateTime.serialize('2027-10-27T16:52:34+02:00')).toBe('2027-10-27T14:52:34.000Z');
  });

  it('refuses an invalid Date with a GraphQL error instead of writing null or "Invalid Date"', () => {
    expect(() => DateTime.serialize(new Date(Number.NaN))).toThrow(/invalid Date/);
  });

  it('refuses a value that is not a date', () => {
    expect(() => DateTime.serialize('next tuesday')).toThrow(/invalid date-time-string/);
    expect(() => DateTime.serialize({})).toThrow(/non string, non numeric or non Date/);
  });

  it('still parses variables and literals into Dates', () => {
    expect(DateTime.parseValue('2027-10-27T14:52:34.328Z')).toEqual(new Date('2027-10-27T14:52:34.328Z'));
    expect(() => DateTime.parseValue('yesterday')).toThrow();
    expect(DateTime.parseLiteral({ kind: Kind.STRING, value: '2027-10-27T14:52:34Z' })).toEqual(new Date('2027-10-27T14:52:34Z'));
  });
});
