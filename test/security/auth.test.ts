import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authConfig, jwtFixture, KEYS, type JwtFixture } from '../fixtures/callers.js';
import { until } from '../fixtures/faults.js';
import { nothingUpstream, startHarness, type Harness } from '../fixtures/harness.js';
import { postWithHeaders } from '../fixtures/net.js';

let h: Harness;
let jwt: JwtFixture;
const QUERY = JSON.stringify({ query: '{ credentials { totalCount } }' });
const nowSeconds = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  jwt = await jwtFixture();
  h = await startHarness({ accounts: { auth0: ['auth0-prod', 'auth0-staging'] }, config: { auth: authConfig(jwt) } });
});
afterAll(() => h.close());
beforeEach(() => h.reset());

describe('callers', () => {
  it('answers 401 with a WWW-Authenticate challenge and executes nothing without credentials', async () => {
    const res = await h.post(QUERY);
    expect([res.status, res.statusText]).toEqual([401, 'Unauthorized']);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="credential-gateway"');
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    nothingUpstream(h);
  });

  it('answers a refused caller with its request id, and logs the reason, never the key offered', async () => {
    const offered = 'cgw_not_a_configured_key_zzzzzzzzzzzz';
    const res = await h.post(QUERY, { 'x-api-key': offered, 'x-request-id': 'refused-1' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('refused-1');
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED', requestId: 'refused-1' } }] });
    // The request's own line is written once its response has closed.
    await until(() => h.logs.some((l) => l.includes('"msg":"request"') && l.includes('refused-1')), 'the request line');
    const lines = h.logs.filter((l) => l.includes('refused-1'));
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ msg: 'unauthenticated request', requestId: 'refused-1', reason: 'unknown API key' }),
      expect.objectContaining({ msg: 'request', requestId: 'refused-1', outcome: 'refused', status: 401 }),
    ]);
    expect(h.logs.join('\n')).not.toContain(offered);
  });

  it('accepts a configured API key in X-API-Key or as a bearer token', async () => {
    for (const headers of [{ 'x-api-key': KEYS.reader }, { authorization: `Bearer ${KEYS.reader}` }] as Record<string, string>[]) {
      const res = await h.post(QUERY, headers);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: { credentials: { totalCount: number } } }).data.credentials.totalCount).toBeGreaterThan(0);
    }
  });

  it.each([
    ['an unknown API key', { 'x-api-key': 'cgw_nope' }],
    ['a near-miss API key', { 'x-api-key': `${KEYS.reader}x` }],
    ['a malformed authorization header', { authorization: 'Basic dXNlcjpwYXNz' }],
  ])('refuses %s with 401 invalid_token', async (_label, headers) => {
    const res = await h.post(QUERY, headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    nothingUpstream(h);
  });

  it.each([
    ['Authorization, a configured key first', [['authorization', `Bearer ${KEYS.admin}`], ['authorization', 'Bearer cgw_other_key']]],
    ['Authorization, a configured key last', [['authorization', 'Bearer cgw_other_key'], ['authorization', `Bearer ${KEYS.admin}`]]],
    ['Authorization, the same key twice', [['authorization', `Bearer ${KEYS.reader}`], ['authorization', `Bearer ${KEYS.reader}`]]],
    ['X-API-Key, a configured key first', [['x-api-key', KEYS.admin], ['x-api-key', 'cgw_other_key']]],
  ] as [string, [string, string][]][])('refuses a request sending %s, rather than taking one of them for the caller', async (_label, headers) => {
    const res = await postWithHeaders(h.gateway.url, QUERY, headers);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(JSON.parse(res.text)).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    nothingUpstream(h);
  });

  it('accepts a JWT from the trusted issuer, naming the caller from sub', async () => {
    const token = await jwt.sign({ sub: 'alice@example.com', scope: 'openid credentials:read' });
    const res = await h.post(QUERY, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
  });

  it('accepts a JWT issued a few seconds ahead of the gateway’s clock, within the clock tolerance', async () => {
    const token = await jwt.sign({ sub: 'alice@example.com', scope: 'credentials:read' }, { issuedAt: nowSeconds() + 5 });
    const res = await h.post(QUERY, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
  });

  it.each([
    ['expired', async () => jwt.sign({ sub: 'a', scope: 'credentials:read' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 }), 'token expired'],
    ['forged (untrusted key)', async () => jwt.forge({ sub: 'a', scope: 'credentials:read' }), 'token could not be verified'],
    ['for another audience', async () => jwt.sign({ sub: 'a', scope: 'credentials:read' }, { audience: 'other' }), 'token could not be verified'],
    ['from another issuer', async () => jwt.sign({ sub: 'a', scope: 'credentials:read' }, { issuer: 'https://evil/' }), 'token could not be verified'],
    ['issued 10 minutes in the future', async () => jwt.sign({ sub: 'a', scope: 'credentials:read' }, { issuedAt: nowSeconds() + 600 }), 'token issued in the future'],
    ['named by a blank sub', async () => jwt.sign({ sub: ' \t ', scope: 'credentials:read' }), 'token has no sub claim'],
    [
      'unsigned (alg none)',
      async () => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'a', scope: 'credentials:read', iss: 'https://idp.test/', aud: 'credential-gateway', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.x`,
      'token could not be verified',
    ],
  ])('refuses a JWT that is %s', async (_label, make, description) => {
    const res = await h.post(QUERY, { authorization: `Bearer ${await make()}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(description);
    nothingUpstream(h);
  });

  it('serves the GraphiQL page without credentials but no operation', async () => {
    const page = await fetch(h.gateway.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const op = await fetch(`${h.gateway.url}?query=${encodeURIComponent('{ credentials { totalCount } }')}`, { headers: { accept: 'application/json' } });
    expect(op.status).toBe(401);
    nothingUpstream(h);
  });
});

describe('callers with JWTs verified against a jwksUrl', () => {
  /** The IdP on loopback: its JWKS at /jwks.json, and a JWKS URL that answers 503. */
  let idp: Server;
  /** Gateways verifying JWTs against each URL. */
  let up: Harness;
  let down: Harness;
  const viaUrl = (path: string) => {
    const { jwks: _inline, ...verified } = authConfig(jwt).jwt;
    return startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { auth: { ...authConfig(jwt), jwt: { ...verified, jwksUrl: `http://127.0.0.1:${(idp.address() as AddressInfo).port}${path}` } } } });
  };
  const token = () => jwt.sign({ sub: 'alice@example.com', scope: 'credentials:read' });
  beforeAll(async () => {
    idp = createServer((req, res) => (req.url === '/jwks.json' ? res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwt.jwks)) : res.writeHead(503).end()));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    [up, down] = await Promise.all([viaUrl('/jwks.json'), viaUrl('/down.json')]);
  });
  afterAll(async () => {
    await Promise.all([up.close(), down.close()]);
    await new Promise((resolve) => idp.close(resolve));
  });

  it('accepts a JWT signed by a key the URL serves', async () => {
    const res = await up.post(QUERY, { authorization: `Bearer ${await token()}` });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
  });

  it('answers 503 AUTH_UNAVAILABLE, not 401, while the IdP’s keys cannot be fetched, and API keys still work', async () => {
    const sent = await token();
    const res = await down.post(QUERY, { authorization: `Bearer ${sent}`, 'x-request-id': 'no-keys-1' });
    expect([res.status, res.headers.get('retry-after'), res.headers.get('www-authenticate')]).toEqual([503, '5', null]);
    expect(await res.json()).toEqual({
      errors: [{ message: 'Authentication unavailable: the identity provider’s keys could not be fetched; retry shortly', extensions: { code: 'AUTH_UNAVAILABLE', requestId: 'no-keys-1' } }],
    });
    nothingUpstream(down);
    expect(down.logs.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ msg: 'could not fetch the JWKS: tokens are verified with the last key set fetched, if any', reason: 'answered 503' }),
    );
    expect(down.logs.join('\n')).not.toContain(sent);
    expect((await down.post(QUERY, { 'x-api-key': KEYS.reader })).status).toBe(200);
  });
});
