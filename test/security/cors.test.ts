import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { KEYS } from '../fixtures/callers.js';
import { startHarness, type Harness } from '../fixtures/harness.js';

const ALLOWED = 'https://console.example.com';
const QUERY = JSON.stringify({ query: '{ __typename }' });

const preflight = (h: Harness, origin: string) =>
  fetch(h.gateway.url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' },
  });
const post = (h: Harness, origin: string) =>
  fetch(h.gateway.url, { method: 'POST', headers: { origin, 'content-type': 'application/json', 'x-api-key': KEYS.reader }, body: QUERY });
/** Callers need a key; a browser's preflight carries none, so it must pass without one. */
const AUTH = { apiKeys: [{ name: 'console', sha256: createHash('sha256').update(KEYS.reader).digest('hex'), scopes: ['credentials:read'] }] };

describe('cross-origin browser access (CORS)', () => {
  let closed: Harness;
  let open: Harness;
  beforeAll(async () => {
    closed = await startHarness({ accounts: { vault: ['vault-prod'] }, config: { auth: AUTH } });
    open = await startHarness({ accounts: { vault: ['vault-prod'] }, config: { auth: AUTH, cors: { origins: [`${ALLOWED}/`] } } });
  });
  afterAll(async () => {
    await closed.close();
    await open.close();
  });

  it('lets no other site read an answer or pass a preflight unless configured', async () => {
    expect((await preflight(closed, ALLOWED)).headers.get('access-control-allow-origin')).toBeNull();
    const res = await post(closed, 'https://evil.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets a configured origin pass the preflight with the gateway’s credential headers, and read answers', async () => {
    const pre = await preflight(open, ALLOWED);
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(pre.headers.get('access-control-allow-headers')).toContain('x-api-key');
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    expect(pre.headers.get('cache-control')).toBe('no-store'); // like every other answer
    const res = await post(open, ALLOWED);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-expose-headers')?.split(',').map((h) => h.trim()).sort()).toEqual(['retry-after', 'x-request-id']);
  });

  it('lets an allowed page read a refusal written before GraphQL runs (a body too large), status and all', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(200_000) } });
    const res = await fetch(open.gateway.url, { method: 'POST', headers: { origin: ALLOWED, 'content-type': 'application/json', 'x-api-key': KEYS.reader }, body: big });
    expect(res.status).toBe(413);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  it('never names another origin, or any origin (*), as allowed when some are configured', async () => {
    for (const res of [await preflight(open, 'https://evil.example'), await post(open, 'https://evil.example')]) {
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('with credentials: true tells an allowed origin, on its preflight and its answers, that it may send cookies and auth, and tells another origin nothing', async () => {
    const withCredentials = await startHarness({ accounts: { vault: ['vault-prod'] }, config: { auth: AUTH, cors: { origins: [ALLOWED], credentials: true } } });
    try {
      const pre = await preflight(withCredentials, ALLOWED);
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      const res = await post(withCredentials, ALLOWED);
      expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
      expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      for (const other of [await preflight(withCredentials, 'https://evil.example'), await post(withCredentials, 'https://evil.example')]) {
        expect(other.headers.get('access-control-allow-origin')).toBeNull();
        expect(other.headers.get('access-control-allow-credentials')).toBeNull();
      }
    } finally {
      await withCredentials.close();
    }
  });
});
