import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nothingUpstream, startHarness, type Harness } from '../fixtures/harness.js';
import { tempDir } from '../fixtures/temp-dir.js';

let h: Harness;
let closed: Harness;
let allowList: Harness;
const ALLOWED = '{ credentials { totalCount } }';
const ALLOWED_HASH = createHash('sha256').update(ALLOWED).digest('hex');

beforeAll(async () => {
  h = await startHarness({ accounts: { auth0: ['auth0-prod'] } });
  closed = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { introspection: false, graphiql: false } });
  const file = join(await tempDir('persisted'), 'operations.json');
  await writeFile(file, JSON.stringify({ [ALLOWED_HASH]: ALLOWED }));
  allowList = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { persistedOperations: { file } } });
});
afterAll(async () => {
  await h.close();
  await closed.close();
  await allowList.close();
});
beforeEach(() => h.reset());

async function gql(harness: Harness, body: unknown, headers: Record<string, string> = {}) {
  const res = await harness.post(typeof body === 'string' ? body : JSON.stringify(body), headers);
  return { status: res.status, body: (await res.json().catch(() => null)) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } | null };
}

describe('request limits', () => {
  it('refuses queries deeper than the limit', async () => {
    const deep = `{ credentials { edges { node { owner { credentials { owner { credentials { owner { credentials { owner { credentials { owner { id } } } } } } } } } } } } }`;
    const { body } = await gql(h, { query: deep });
    expect(body?.errors?.[0]?.message).toMatch(/depth/i);
    nothingUpstream(h);
  });

  it('refuses too many aliases', async () => {
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const { body } = await gql(h, { query });
    expect(body?.errors?.[0]?.message).toMatch(/alias|token/i);
    nothingUpstream(h);
  });

  it('refuses too many tokens', async () => {
    const query = `{ credentials(filter: { accounts: [${Array.from({ length: 3000 }, () => '"x"').join(',')}] }) { totalCount } }`;
    const { body } = await gql(h, { query });
    expect(body?.errors?.[0]?.message).toMatch(/token/i);
    nothingUpstream(h);
  });

  it('refuses too many directives', async () => {
    const query = `{ __typename ${Array.from({ length: 60 }, () => '@include(if: true)').join(' ')} }`;
    const { body } = await gql(h, { query });
    expect(body?.errors?.[0]?.message).toMatch(/directive/i);
  });

  describe('the cost limit, with page sizes as literals or variables', () => {
    // Costly at a page of 500 (101,781), each owner's list selected once (nested, it is refused as such).
    const DEEP = (first: string) =>
      `credentials(first: ${first}) { edges { node { id name status expiresAt vendor account owner { id name vendor account credentials { id name status expiresAt vendor account externalId owner { id name vendor account externalId description } } } } } }`;
    const expectTooCostly = (body: Awaited<ReturnType<typeof gql>>['body']) => {
      expect(body?.data ?? null).toBeNull();
      expect(body?.errors?.[0]).toMatchObject({ message: expect.stringMatching(/Cost limit of 100000 exceeded/), extensions: { code: 'QUERY_TOO_COMPLEX' } });
    };

    it('refuses a costly page size written in the query', async () => {
      expectTooCostly((await gql(h, { query: `{ ${DEEP('500')} }` })).body);
      nothingUpstream(h);
    });

    it('refuses the same page size given as a variable, or as a variable’s default', async () => {
      expectTooCostly((await gql(h, { query: `query($n: Int) { ${DEEP('$n')} }`, variables: { n: 500 } })).body);
      expectTooCostly((await gql(h, { query: `query($n: Int = 500) { ${DEEP('$n')} }` })).body);
      nothingUpstream(h);
    });

    it('refuses it however the page size is spelled: last, first null, a variable left unset beside last', async () => {
      expectTooCostly((await gql(h, { query: `{ ${DEEP('null, last: 500')} }` })).body);
      expectTooCostly((await gql(h, { query: `query($n: Int, $m: Int) { ${DEEP('$n, last: $m')} }`, variables: { m: 500 } })).body);
      nothingUpstream(h);
    });

    it('costs a variable’s default even when the variable is named like an object property (constructor)', async () => {
      expectTooCostly((await gql(h, { query: `query($constructor: Int = 500) { ${DEEP('$constructor')} }` })).body);
      nothingUpstream(h);
    });

    it('costs the operation that runs with its own variable defaults, not another operation’s', async () => {
      const query = `query A($n: Int = 500) { ${DEEP('$n')} } query B($n: Int = 1) { credentials(first: $n) { totalCount } }`;
      expectTooCostly((await gql(h, { query, operationName: 'A' })).body);
      const b = await gql(h, { query, operationName: 'B' });
      expect(b.body?.errors).toBeUndefined();
    });

    it('costs a connection without first or last at the default page it serves (100)', async () => {
      const aliases = Array.from({ length: 6 }, (_, i) => `a${i}: ${DEEP('0').replace('(first: 0)', '')}`).join(' ');
      expectTooCostly((await gql(h, { query: `{ ${aliases} }` })).body);
      nothingUpstream(h);
    });

    it('runs it with a small page size given as a variable', async () => {
      const { body } = await gql(h, { query: `query($n: Int) { ${DEEP('$n')} }`, variables: { n: 5 } });
      expect(body?.errors).toBeUndefined();
      expect(body?.data).toMatchObject({ credentials: { edges: expect.any(Array) } });
    });
  });

  it('refuses bodies over the size limit with 413, an uncacheable answer naming the request id', async () => {
    const res = await h.post(JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(200_000) } }), { 'x-request-id': 'big-body-1' });
    expect(res.status).toBe(413);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-request-id')).toBe('big-body-1');
    nothingUpstream(h);
  });

  it('does not run batched requests by default', async () => {
    const { status, body } = await gql(h, [{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(body)).not.toContain('"data"');
  });

  it('refuses mutations over GET', async () => {
    const url = `${h.gateway.url}?query=${encodeURIComponent('mutation { updateCredential(input: { id: "x", name: "y" }) { __typename } }')}`;
    const res = await fetch(url, { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(res.status).toBe(405);
    nothingUpstream(h);
  });

  it('refuses simple cross-site requests (CSRF) that carry no preflighted header', async () => {
    const res = await fetch(`${h.gateway.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(403);
  });

  it('sends Cache-Control: no-store and a request id on every response', async () => {
    const res = await h.post(JSON.stringify({ query: '{ __typename }' }), { 'x-request-id': 'trace-123' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-request-id')).toBe('trace-123');
  });

  it('runs only allow-listed operations in persisted-operations mode', async () => {
    const arbitrary = await gql(allowList, { query: ALLOWED });
    expect(arbitrary.body?.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Only persisted operations run here/), extensions: { code: 'PERSISTED_QUERY_ONLY' } });
    const listed = await gql(allowList, { extensions: { persistedQuery: { version: 1, sha256Hash: ALLOWED_HASH } } });
    expect(listed.body?.data).toMatchObject({ credentials: { totalCount: expect.any(Number) } });
    const unknown = await gql(allowList, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(unknown.body?.errors?.[0]).toMatchObject({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    // Names an object has of its own machinery are hashes like any other: not listed.
    for (const sha256Hash of ['__proto__', 'constructor', 'toString']) {
      const odd = await gql(allowList, { extensions: { persistedQuery: { version: 1, sha256Hash } } });
      expect(odd.body?.errors?.[0]?.message).toBe('PersistedQueryNotFound');
    }
  });

  it('answers a hash sent alone "PersistedQueryNotSupported" when no operations are persisted, so APQ clients send the document', async () => {
    const hashOnly = await gql(h, { extensions: { persistedQuery: { version: 1, sha256Hash: ALLOWED_HASH } } });
    expect(hashOnly.body).toMatchObject({ errors: [{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }] });
    // The client's next try, the document with its hash, runs.
    const full = await gql(h, { query: ALLOWED, extensions: { persistedQuery: { version: 1, sha256Hash: ALLOWED_HASH } } });
    expect(full.body?.data).toMatchObject({ credentials: { totalCount: expect.any(Number) } });
  });

  it('can switch introspection and GraphiQL off', async () => {
    const { body } = await gql(closed, { query: '{ __schema { types { name } } }' });
    expect(body?.errors?.[0]?.message).toMatch(/introspection/i);
    const page = await fetch(closed.gateway.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('<html');
  });
});
