import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { KEYS } from './fixtures/callers.js';
import { nothingUpstream, startHarness, type Harness } from './fixtures/harness.js';

/** GraphQL over HTTP (the working draft) as clients meet it: methods, media types, status codes. */
let h: Harness;
/** One that asks for credentials, for a refusal written before GraphQL runs. */
let guarded: Harness;
beforeAll(async () => {
  h = await startHarness({ accounts: { auth0: ['auth0-prod'] } });
  const apiKeys = [{ name: 'reader', sha256: createHash('sha256').update(KEYS.reader).digest('hex'), scopes: ['credentials:read'] }];
  guarded = await startHarness({ accounts: { vault: ['vault-prod'] }, config: { auth: { apiKeys } } });
});
afterAll(async () => {
  await h.close();
  await guarded.close();
});
beforeEach(() => h.reset());

const NEW = 'application/graphql-response+json';
const JSON_TYPE = 'application/json';
const LIST = '{ credentials(first: 1) { totalCount } }';

async function send(init: { method?: string; headers?: Record<string, string>; body?: string; search?: string }) {
  const res = await fetch(`${h.gateway.url}${init.search ?? ''}`, { method: init.method ?? 'POST', headers: init.headers, body: init.body });
  const body = parsed(await res.text());
  return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, body };
}
type Body = { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
/** The answer as JSON, or null when it is not (a HEAD's empty body). */
function parsed(text: string): Body | null {
  try {
    return JSON.parse(text) as Body;
  } catch {
    return null;
  }
}
const post = (query: string, accept?: string, extra: Record<string, unknown> = {}) =>
  send({ headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) }, body: JSON.stringify({ query, ...extra }) });

describe('status codes by media type', () => {
  it.each([
    ['a document over a limit', () => post('{ a: __schema { queryType { name } } b: __schema { queryType { name } } }', NEW), 'QUERY_TOO_COMPLEX'],
    ['a query deeper than the limit', () => post(`{ credentials { edges { node { owner { credentials { owner { credentials { owner { credentials { owner { credentials { owner { id } } } } } } } } } } } } }`, NEW), 'QUERY_TOO_COMPLEX'],
    ['a variable not given', () => post('query($id: ID!) { node(id: $id) { id } }', NEW), 'BAD_USER_INPUT'],
    ['an operation name not in the document', () => post('query A { __typename }', NEW, { operationName: 'B' }), 'OPERATION_RESOLUTION_FAILURE'],
    ['a field not in the schema', () => post('{ nope }', NEW), 'GRAPHQL_VALIDATION_FAILED'],
  ])('answers %s with 400 in application/graphql-response+json, as no data came of it', async (_, run, code) => {
    const res = await run();
    expect(res).toMatchObject({ status: 400, type: `${NEW}; charset=utf-8`, body: { errors: [{ extensions: { code } }] } });
    expect(res.body).not.toHaveProperty('data');
    nothingUpstream(h);
  });

  it.each([
    ['a document over a limit', () => post('{ a: __schema { queryType { name } } b: __schema { queryType { name } } }', JSON_TYPE), 'QUERY_TOO_COMPLEX'],
    ['a variable not given', () => post('query($id: ID!) { node(id: $id) { id } }', JSON_TYPE), 'BAD_USER_INPUT'],
    ['an operation name not in the document', () => post('query A { __typename }', undefined, { operationName: 'B' }), 'OPERATION_RESOLUTION_FAILURE'],
  ])('answers %s with 200 in application/json, where clients read errors only from a 200', async (_, run, code) => {
    expect(await run()).toMatchObject({ status: 200, type: `${JSON_TYPE}; charset=utf-8`, body: { errors: [{ extensions: { code } }] } });
  });

  it('gives every error of a variable with more invalid values than graphql-js reports (50) BAD_USER_INPUT, answered 200 in application/json', async () => {
    // graphql-js stops at 50 and adds an error of its own, with no code, saying so (found by the fuzz audit).
    const res = await post('query($f: CredentialFilter) { credentials(filter: $f) { totalCount } }', JSON_TYPE, { variables: { f: { statuses: Array(60).fill('NOPE') } } });
    expect(res.status).toBe(200);
    expect(res.body?.errors).toHaveLength(51);
    expect(res.body?.errors?.at(-1)?.message).toBe('Too many errors processing variables, error limit reached. Execution aborted.');
    expect(res.body?.errors?.map((e) => e.extensions?.code)).toEqual(Array(51).fill('BAD_USER_INPUT'));
    nothingUpstream(h);
  });

  it("answers Apollo Router's two Accept lines (application/json first) in application/json: a refused subgraph request is no failed call", async () => {
    const headers = new Headers({ 'content-type': 'application/json' });
    headers.append('accept', JSON_TYPE);
    headers.append('accept', NEW);
    const res = await fetch(h.gateway.url, { method: 'POST', headers, body: JSON.stringify({ query: '{ nope }' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(`${JSON_TYPE}; charset=utf-8`);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  });

  it('names no syntax error when a limit refuses a document', async () => {
    const directives = Array.from({ length: 25 }, () => '@include(if: true)').join(' ');
    const res = await post(`{ __typename ${directives} }`, NEW);
    expect(res.status).toBe(400);
    expect(res.body?.errors?.[0]?.message).toBe('Directives limit of 20 exceeded, found 25.');
  });

  it('answers data with 200 in both types, errors of a failing vendor alongside', async () => {
    h.sim('auth0-prod').inject({ method: 'GET', route: '/api/v2/clients', status: 500, times: 10 });
    for (const accept of [NEW, JSON_TYPE]) {
      const res = await post('{ credentials { totalCount failedAccounts { account } } }', accept);
      expect(res).toMatchObject({ status: 200, body: { data: { credentials: { failedAccounts: [{ account: 'auth0-prod' }] } } } });
    }
  });
});

describe('the Accept header', () => {
  it.each([
    [undefined, JSON_TYPE],
    ['*/*', JSON_TYPE],
    ['application/json;q=0.9, application/graphql-response+json', NEW],
    ['application/graphql-response+json;q=0.1, application/json', JSON_TYPE],
  ])('answers Accept %j in %s', async (accept, type) => {
    const res = await post('{ __typename }', accept);
    expect(res).toMatchObject({ status: 200, type: `${type}; charset=utf-8`, body: { data: { __typename: 'Query' } } });
  });

  it.each([['application/json;q=0'], ['text/event-stream'], ['text/plain'], ['application/json; charset=utf-16']])(
    'answers Accept %j with 406 and a GraphQL error, running nothing',
    async (accept) => {
      const res = await post(LIST, accept);
      expect(res).toMatchObject({ status: 406, type: `${JSON_TYPE}; charset=utf-8`, body: { errors: [{ message: expect.stringContaining(NEW), extensions: { code: 'BAD_REQUEST' } }] } });
      nothingUpstream(h);
    },
  );

  it('answers a refusal before GraphQL in the type asked for', async () => {
    const res = await fetch(guarded.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: NEW }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect({ status: res.status, type: res.headers.get('content-type'), body: await res.json() }).toMatchObject({ status: 401, type: `${NEW}; charset=utf-8`, body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
  });
});

describe('the request', () => {
  it('reads a JSON body whatever the case and spacing of its Content-Type', async () => {
    const res = await send({ headers: { 'content-type': 'Application/JSON ; charset=UTF-8' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(res).toMatchObject({ status: 200, body: { data: { __typename: 'Query' } } });
  });

  it.each([
    ['no Content-Type', {}],
    ['a charset other than UTF-8', { 'content-type': 'application/json; charset=utf-16' }],
    ['a multipart upload', { 'content-type': 'multipart/form-data; boundary=x', 'x-graphql-yoga-csrf': '1' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded', 'x-graphql-yoga-csrf': '1' }],
  ])('refuses a POST with %s: 415, nothing run', async (_, headers: Record<string, string>) => {
    const res = await send({ headers, body: JSON.stringify({ query: LIST }) });
    expect(res).toMatchObject({ status: 415, body: { errors: [{ extensions: { code: 'BAD_REQUEST' } }] } });
    nothingUpstream(h);
  });

  it.each([['DELETE'], ['PUT'], ['PATCH'], ['HEAD']])('refuses %s with 405 and Allow, not as a forgery', async (method) => {
    const res = await send({ method, headers: { 'content-type': 'application/json' }, body: method === 'HEAD' ? undefined : JSON.stringify({ query: LIST }) });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    if (method !== 'HEAD') expect(res.body?.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    nothingUpstream(h);
  });

  it.each([['x-graphql-yoga-csrf'], ['graphql-require-preflight'], ['apollo-require-preflight']])('runs a query sent by GET with %s', async (header) => {
    const res = await send({ method: 'GET', search: `?query=${encodeURIComponent('{ __typename }')}`, headers: { [header]: '1' } });
    expect(res).toMatchObject({ status: 200, body: { data: { __typename: 'Query' } } });
  });

  it.each([['variables'], ['extensions']])('refuses a GET whose %s is not JSON as the caller’s bad request, without quoting it or logging an internal error', async (param) => {
    const sent = '{"value":"sk_live_not-quite-json';
    const res = await send({ method: 'GET', search: `?query=${encodeURIComponent('{ __typename }')}&${param}=${encodeURIComponent(sent)}`, headers: { 'x-graphql-yoga-csrf': '1' } });
    expect(res).toMatchObject({
      status: 400,
      body: { errors: [{ message: 'Request parameters `variables` and `extensions` must be JSON', extensions: { code: 'BAD_REQUEST' } }] },
    });
    expect(res.body).not.toHaveProperty('data');
    expect(JSON.stringify(res.body)).not.toContain('sk_live');
    // The caller's mistake, not a masked failure of the gateway's: no error line for the operator.
    const requestId = (res.body!.errors![0]!.extensions as { requestId: string }).requestId;
    const lines = h.logs.map((l) => JSON.parse(l) as { level: number; requestId?: string }).filter((l) => l.requestId === requestId);
    expect(lines.length).toBeGreaterThan(0); // the request's own line, so the filter found it
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    nothingUpstream(h);
  });

  it('refuses a GET without any of them (a cross-site page could send it)', async () => {
    const res = await send({ method: 'GET', search: `?query=${encodeURIComponent(LIST)}` });
    expect(res).toMatchObject({ status: 403, body: { errors: [{ extensions: { code: 'CSRF_PREVENTED' } }] } });
    nothingUpstream(h);
  });
});
