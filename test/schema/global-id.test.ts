import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { encodeGlobalId, globalIdOf, parseGlobalId } from '../../src/schema/global-id.js';

describe('global ids', () => {
  it('round-trip the type, the account and every vendor path id', () => {
    const ref = { typename: 'Auth0ClientCredential', account: 'prod', path: ['client/1', 'cred_:2'] };
    expect(parseGlobalId(globalIdOf(ref))).toEqual(ref);
  });

  it('round-trip the longest id issued: a Keycard credential of two 255-character ids, 4 UTF-8 bytes per character', () => {
    const ref = { typename: 'KeycardCredential', account: 'a'.repeat(64), path: ['😀'.repeat(255), '🔑'.repeat(255)] };
    expect(parseGlobalId(globalIdOf(ref))).toEqual(ref);
  });

  it('are opaque and URL-safe', () => {
    expect(globalIdOf({ typename: 'Auth0Client', account: 'prod', path: ['abc'] })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['empty', ''],
    ['not base64', 'a b c'],
    ['no type', encodeGlobalId('', '["a","b"]')],
    ['not JSON', encodeGlobalId('Auth0Client', 'abc')],
    ['no path', encodeGlobalId('Auth0Client', '["prod"]')],
    ['non-string parts', encodeGlobalId('Auth0Client', '["prod",1]')],
    ['empty part', encodeGlobalId('Auth0Client', '["prod",""]')],
    ['odd type name', encodeGlobalId('../x', '["prod","a"]')],
    ['longer than any id issued', encodeGlobalId('KeycardCredential', JSON.stringify(['prod', 'x'.repeat(3100)]))],
  ])('refuses a malformed id (%s) with a ValidationError', (_label, id) => {
    expect(() => parseGlobalId(id)).toThrow(ValidationError);
  });
});
