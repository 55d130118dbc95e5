import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/auth/authenticate.js';
import { authSchema } from '../../src/auth/config.js';
import { authConfig, jwtFixture, type JwtFixture } from '../fixtures/callers.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('a JWT’s issued-at (iat)', () => {
  let jwt: JwtFixture;
  /** The test callers' config, with the JWT clock tolerance given (default 30 s). */
  const authenticator = (clockToleranceSeconds?: number) => {
    const config = authConfig(jwt);
    return createAuthenticator(authSchema.parse({ ...config, jwt: { ...config.jwt, clockToleranceSeconds } }), 'credential-gateway');
  };
  const withToken = (token: string) => new Headers({ authorization: `Bearer ${token}` });
  beforeAll(async () => {
    jwt = await jwtFixture();
  });

  it('refuses a token issued 10 minutes in the future as an invalid token', async () => {
    const token = await jwt.sign({ sub: 'alice', scope: 'credentials:read' }, { issuedAt: nowSeconds() + 600 });
    expect(await authenticator().authenticate(withToken(token))).toEqual({ ok: false, error: 'invalid_token', description: 'token issued in the future' });
  });

  it('accepts a token issued a few seconds ahead, within the clock tolerance (30 s by default)', async () => {
    const token = await jwt.sign({ sub: 'alice', scope: 'credentials:read' }, { issuedAt: nowSeconds() + 5 });
    expect(await authenticator().authenticate(withToken(token))).toMatchObject({ ok: true, caller: { name: 'alice', via: 'jwt' } });
  });

  it('honours the configured clock tolerance: a token 2 minutes ahead passes with 5 minutes, not with 1', async () => {
    const token = await jwt.sign({ sub: 'alice', scope: 'credentials:read' }, { issuedAt: nowSeconds() + 120 });
    expect(await authenticator(300).authenticate(withToken(token))).toMatchObject({ ok: true });
    expect(await authenticator(60).authenticate(withToken(token))).toEqual({ ok: false, error: 'invalid_token', description: 'token issued in the future' });
  });

  it('accepts a token without iat: the claim is optional', async () => {
    const token = await jwt.sign({ sub: 'alice', scope: 'credentials:read' }, { issuedAt: null });
    expect(await authenticator().authenticate(withToken(token))).toMatchObject({ ok: true });
  });
});

describe('a JWT’s scopes claim', () => {
  let jwt: JwtFixture;
  const withToken = (token: string) => new Headers({ authorization: `Bearer ${token}` });
  const authenticator = (scopesClaim?: string) => {
    const config = authConfig(jwt);
    return createAuthenticator(authSchema.parse({ ...config, jwt: { ...config.jwt, scopesClaim } }), 'credential-gateway');
  };
  const grantsOf = async (token: string, scopesClaim?: string) => {
    const result = await authenticator(scopesClaim).authenticate(withToken(token));
    if (!result.ok) throw new Error(`refused: ${result.description}`);
    return result.caller.grants;
  };
  beforeAll(async () => {
    jwt = await jwtFixture();
  });

  it('reads an array of grant strings (as Okta and Entra send `scp`) like a space-separated string, keeping only the gateway’s own scopes', async () => {
    const fromString = await grantsOf(await jwt.sign({ sub: 'alice', scope: 'openid credentials:read keys:rotate' }));
    expect(fromString).toHaveLength(2);
    const fromArray = await grantsOf(await jwt.sign({ sub: 'alice', scp: ['openid', 'credentials:read', 42, 'keys:rotate', null] }), 'scp');
    expect(fromArray).toEqual(fromString);
  });

  it('gives a token without the scopes claim, or with one of another shape, no grants (it is still the caller it names)', async () => {
    for (const claims of [{ sub: 'alice' }, { sub: 'alice', scope: { read: true } }, { sub: 'alice', scope: 7 }]) {
      expect(await authenticator().authenticate(withToken(await jwt.sign(claims)))).toEqual({ ok: true, caller: { name: 'alice', via: 'jwt', grants: [] } });
    }
  });
});

describe('a bearer JWT where only API keys are configured', () => {
  it('is refused as an invalid token saying bearer tokens are not accepted, not verified against nothing', async () => {
    const jwt = await jwtFixture();
    const { apiKeys } = authConfig(jwt);
    const authenticator = createAuthenticator(authSchema.parse({ apiKeys }), 'credential-gateway');
    const token = await jwt.sign({ sub: 'alice', scope: 'credentials:read' });
    expect(await authenticator.authenticate(new Headers({ authorization: `Bearer ${token}` }))).toEqual({
      ok: false,
      error: 'invalid_token',
      description: 'bearer tokens are not accepted here',
    });
  });
});
