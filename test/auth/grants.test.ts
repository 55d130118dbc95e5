import { describe, expect, it } from 'vitest';
import { grantString } from '../../src/auth/grants.js';

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
