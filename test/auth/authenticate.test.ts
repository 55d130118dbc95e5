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
