import { describe, expect, it } from 'vitest';
import { allows, grantSchema, grantString, type Caller } from '../../src/auth/grants.js';

describe('scopes in string form', () => {
  it.each([
    ['credentials:read', { scope: 'credentials:read' }],
    ['credentials:write@auth0-staging', { scope: 'credentials:write', accounts: ['auth0-staging'] }],
    ['keys:rotate@vendor:Auth0', { scope: 'keys:rotate', vendors: ['auth0'] }],
  ])('reads %j', (s, grant) => expect(grantString.parse(s)).toEqual(grant));

  it.each(['credentials:write@', 'keys:rotate@vendor:', 'credentials:read@auth0-staging@auth0-prod', 'credentials:read@@'])(
    'refuses %j rather than widening it to every account',
    (s) => {
      const parsed = grantString.safeParse(s);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toContain('names one account or vendor');
    },
  );

  it('refuses an unknown scope', () => expect(grantString.safeParse('credentials:delete').success).toBe(false));
});

describe('allows: a scope limited to a vendor', () => {
  const caller = (...grants: unknown[]): Caller => ({ name: 'c', via: 'api-key', grants: grants.map((g) => grantSchema.parse(g)) });

  it.each([
    ['the string form', 'credentials:write@vendor:Keycard'],
    ['the object form', { scope: 'credentials:write', vendors: ['keycard'] }],
  ])('holds in every account of that vendor, and in no account of another vendor (%s)', (_form, grant) => {
    const c = caller(grant);
    expect(allows(c, 'credentials:write', 'keycard', 'keycard-sandbox')).toBe(true);
    expect(allows(c, 'credentials:write', 'keycard', 'keycard-prod')).toBe(true);
    expect(allows(c, 'credentials:write', 'auth0', 'auth0-prod')).toBe(false);
    // An account named like one of the vendor's is still another vendor's account.
    expect(allows(c, 'credentials:write', 'auth0', 'keycard-sandbox')).toBe(false);
    // The limit is on the vendor, not the scope: another scope is not held anywhere.
    expect(allows(c, 'credentials:read', 'keycard', 'keycard-sandbox')).toBe(false);
  });

  it('holds where vendor and account limits both match, and nowhere else', () => {
    const c = caller({ scope: 'keys:rotate', vendors: ['auth0'], accounts: ['auth0-staging'] });
    expect(allows(c, 'keys:rotate', 'auth0', 'auth0-staging')).toBe(true);
    expect(allows(c, 'keys:rotate', 'auth0', 'auth0-prod')).toBe(false);
    expect(allows(c, 'keys:rotate', 'keycard', 'auth0-staging')).toBe(false);
  });

  it('holds in any vendor a grant of several vendors names', () => {
    const c = caller({ scope: 'credentials:read', vendors: ['vault', 'keycard'] });
    expect(['vault', 'keycard', 'auth0', 'conductorone'].map((v) => allows(c, 'credentials:read', v, 'any'))).toEqual([true, true, false, false]);
  });
});
