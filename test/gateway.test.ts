import { RequestCache } from '@pothos/plugin-scope-auth';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeGlobalId } from '../src/schema/global-id.js';
import { Sessions } from '../src/vendors/sessions.js';
import { ListCredentialsDocument } from './gql/graphql.js';
import { startHarness, type Harness } from './fixtures/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => vi.restoreAllMocks());

describe('the request lifecycle', () => {
  it("drops an operation's scope-auth cache once it has executed, for the context it was built for", async () => {
    const built = vi.spyOn(RequestCache, 'fromContext');
    const cleared = vi.spyOn(RequestCache, 'clearForContext');
    const res = await h.exec(ListCredentialsDocument, { first: 5 });
    expect(res.errors).toBeUndefined();
    const contexts = new Set(built.mock.calls.map(([context]) => context));
    expect(contexts.size).toBe(1);
    expect(cleared.mock.calls.map(([context]) => context)).toEqual([...contexts]);
  });

  it('cancels its upstream calls when the client goes away, long before the vendor would answer', async () => {
    h.reset();
    h.sim('auth0-prod').inject({ method: 'GET', route: '/api/v2/clients', delayMs: 5_000, times: 5 });
    const client = new AbortController();
    const started = Date.now();
    const pending = fetch(h.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ credentials(first: 5) { edges { node { id } } } }' }),
      signal: client.signal,
    }).catch((err: unknown) => err);
    await vi.waitFor(() => expect(h.sim('auth0-prod').apiRequests().some((r) => r.path.startsWith('/api/v2/clients'))).toBe(true));
    client.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    const cancelled = () => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'upstream call' && l.status === 'cancelled');
    await vi.waitFor(() => expect(cancelled()).toContainEqual(expect.objectContaining({ account: 'auth0-prod', route: '/api/v2/clients' })), { timeout: 2_000 });
    expect(Date.now() - started).toBeLessThan(3_000);
    h.reset();
  });
});

describe('unexpected errors', () => {
  it('are masked to a generic INTERNAL_SERVER_ERROR with the request id, and logged for the operator', async () => {
    const detail = 'internal-detail-9f8e7d6c-never-shown';
    vi.spyOn(Sessions.prototype, 'readable').mockImplementation(() => {
      throw new Error(detail);
    });
    const res = await h.post(JSON.stringify({ query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: encodeGlobalId('VaultCredential', '["vault-sandbox","x"]') } }));
    const text = await res.text();
    expect(text).not.toContain(detail);
    const body = JSON.parse(text) as { data: { node: null }; errors: { message: string; path: string[]; extensions: Record<string, unknown> }[] };
    expect(body.data.node).toBeNull();
    expect(body.errors).toEqual([
      { message: 'Unexpected error.', path: ['node'], locations: expect.any(Array), extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: res.headers.get('x-request-id') } },
    ]);
    const logged = h.logs.map((l) => JSON.parse(l) as { msg: string; err?: { message: string } }).find((l) => l.msg === 'unexpected resolver error');
    expect(logged?.err?.message).toBe(detail);
  });
});
