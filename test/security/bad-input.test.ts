import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import type { Auth0Simulator } from '../../src/vendors/auth0/simulator.js';
import { authConfig, jwtFixture, KEYS, type JwtFixture } from '../fixtures/callers.js';
import { future } from '../fixtures/dates.js';
import { nothingUpstream, startHarness, type Harness } from '../fixtures/harness.js';

/**
 * Hostile and malformed input, table-driven. Each case names the outcome a caller must see —
 * an HTTP status, a GraphQL error code, or a typed mutation error — and no case may reach a vendor.
 */
let h: Harness;
let jwt: JwtFixture;
let ids: { credential: string; client: string; clientId: string; connection: string };

const ADMIN = { 'x-api-key': KEYS.admin };
const UPDATE = 'mutation U($input: UpdateCredentialInput!) { updateCredential(input: $input) { __typename ... on Error { message } } }';
const NODE = 'query N($id: ID!) { node(id: $id) { id } }';
const ROTATE = 'mutation R($input: RotateConnectionKeysInput!) { rotateConnectionKeys(input: $input) { __typename } }';
const LIST = 'query L($filter: CredentialFilter, $first: Int, $after: String, $before: String) { credentials(filter: $filter, first: $first, after: $after, before: $before) { totalCount } }';
const credId = (...path: string[]) => encodeGlobalId('Auth0ClientCredential', JSON.stringify(['auth0-prod', ...path]));

interface Case {
  name: string;
  /** JSON body (object) or raw text. */
  body: () => unknown;
  headers?: () => Promise<Record<string, string>> | Record<string, string>;
  method?: 'GET' | 'POST';
  /** `HTTP 4xx`, a GraphQL `extensions.code`, a mutation result `__typename`, or `null` (node not found). */
  expect: string;
}

const update = (input: () => Record<string, unknown>): (() => unknown) => () => ({ query: UPDATE, variables: { input: input() } });
const node = (id: () => unknown): (() => unknown) => () => ({ query: NODE, variables: { id: id() } });

const CASES: Case[] = [
  // ids
  { name: 'empty id', body: node(() => ''), expect: 'BAD_USER_INPUT' },
  { name: 'id that is not base64url', body: node(() => '!!!'), expect: 'BAD_USER_INPUT' },
  { name: 'base64 of garbage', body: node(() => Buffer.from('hello').toString('base64url')), expect: 'BAD_USER_INPUT' },
  { name: 'foreign Relay id (User:1)', body: node(() => Buffer.from('User:1').toString('base64')), expect: 'BAD_USER_INPUT' },
  { name: 'id whose payload is not an array', body: node(() => encodeGlobalId('Auth0Client', '{"a":1}')), expect: 'BAD_USER_INPUT' },
  { name: 'id of an unknown type', body: node(() => encodeGlobalId('Nope', '["auth0-prod","x"]')), expect: 'null' },
  { name: 'id of an unknown account', body: update(() => ({ id: encodeGlobalId('Auth0ClientCredential', '["nowhere","a","b"]'), expiresAt: null })), expect: 'NotFoundError' },
  { name: 'id with "/" in a path id', body: update(() => ({ id: credId(ids.clientId, 'a/b'), expiresAt: null })), expect: 'ValidationError' },
  { name: 'id with ".." as a path id', body: update(() => ({ id: credId(ids.clientId, '..'), expiresAt: null })), expect: 'ValidationError' },
  { name: 'id with "../../" traversal', body: update(() => ({ id: credId('../../connections', 'x'), expiresAt: null })), expect: 'ValidationError' },
  { name: 'id with %2F', body: update(() => ({ id: credId(ids.clientId, '%2F..%2F'), expiresAt: null })), expect: 'ValidationError' },
  { name: 'id with %00', body: update(() => ({ id: credId(ids.clientId, 'cred%00'), expiresAt: null })), expect: 'ValidationError' },
  { name: 'id with a NUL byte', body: update(() => ({ id: credId(ids.clientId, 'cred\u0000x'), expiresAt: null })), expect: 'ValidationError' },
  { name: 'id with unicode', body: update(() => ({ id: credId(ids.clientId, 'crédential😀'), expiresAt: null })), expect: 'ValidationError' },
  { name: '10 kB id', body: update(() => ({ id: 'A'.repeat(10_000), expiresAt: null })), expect: 'ValidationError' },
  { name: 'owner id where a credential id is expected', body: update(() => ({ id: ids.client, expiresAt: null })), expect: 'ValidationError' },
  { name: 'credential id with an extra path segment', body: update(() => ({ id: credId(ids.clientId, 'cred_a', 'extra'), expiresAt: null })), expect: 'ValidationError' },
  { name: 'credential id where a connection id is expected', body: () => ({ query: ROTATE, variables: { input: { connectionId: ids.credential } } }), expect: 'ValidationError' },
  // strings
  { name: '10 kB name', body: update(() => ({ id: ids.credential, name: 'n'.repeat(10_000) })), expect: 'ValidationError' },
  { name: '10 kB description', body: update(() => ({ id: ids.credential, description: 'd'.repeat(10_000) })), expect: 'ValidationError' },
  { name: 'blank name', body: update(() => ({ id: ids.credential, name: '   ' })), expect: 'ValidationError' },
  { name: 'null name', body: update(() => ({ id: ids.credential, name: null })), expect: 'ValidationError' },
  { name: 'input that changes nothing', body: update(() => ({ id: ids.credential })), expect: 'ValidationError' },
  { name: 'field the vendor cannot change', body: update(() => ({ id: ids.credential, description: 'x' })), expect: 'UnsupportedChangeError' },
  // dates
  { name: 'invalid date', body: update(() => ({ id: ids.credential, expiresAt: 'not-a-date' })), expect: 'BAD_USER_INPUT' },
  { name: 'impossible calendar date', body: update(() => ({ id: ids.credential, expiresAt: '2027-02-30T00:00:00Z' })), expect: 'BAD_USER_INPUT' },
  { name: 'far-past date', body: update(() => ({ id: ids.credential, expiresAt: '1900-01-01T00:00:00Z' })), expect: 'ValidationError' },
  { name: 'far-future date', body: update(() => ({ id: ids.credential, expiresAt: '9999-12-31T23:59:59Z' })), expect: 'ValidationError' },
  { name: 'date as a number', body: update(() => ({ id: ids.credential, expiresAt: 1234567890 })), expect: 'BAD_USER_INPUT' },
  // enums and unknown fields
  { name: 'wrong enum value (signingAlg HS256)', body: () => ({ query: ROTATE, variables: { input: { connectionId: ids.connection, signingAlg: 'HS256' } } }), expect: 'BAD_USER_INPUT' },
  { name: 'wrong enum value in a filter', body: () => ({ query: LIST, variables: { filter: { statuses: ['BOGUS'] } } }), expect: 'BAD_USER_INPUT' },
  { name: 'unknown input field', body: update(() => ({ id: ids.credential, expiresAt: null, owner: 'me' })), expect: 'BAD_USER_INPUT' },
  { name: 'unknown selected field', body: () => ({ query: '{ credentials { secretValue } }' }), expect: 'GRAPHQL_VALIDATION_FAILED' },
  // cursors and page sizes
  { name: 'forged cursor', body: () => ({ query: LIST, variables: { after: 'eyJoYWNrIjp0cnVlfQ' } }), expect: 'BAD_USER_INPUT' },
  { name: 'empty after cursor', body: () => ({ query: LIST, variables: { after: '' } }), expect: 'BAD_USER_INPUT' },
  { name: 'empty before cursor', body: () => ({ query: LIST, variables: { before: '' } }), expect: 'BAD_USER_INPUT' },
  { name: 'empty owner id in a filter', body: () => ({ query: LIST, variables: { filter: { owner: '' } } }), expect: 'BAD_USER_INPUT' },
  { name: 'negative first', body: () => ({ query: LIST, variables: { first: -1 } }), expect: 'BAD_USER_INPUT' },
  { name: 'huge first', body: () => ({ query: LIST, variables: { first: 100_000 } }), expect: 'BAD_USER_INPUT' },
  { name: '101 ids in nodes', body: () => ({ query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids: Array.from({ length: 101 }, () => ids.credential) } }), expect: 'QUERY_TOO_COMPLEX' }, // limits.maxNodeLookups
  // query shape
  {
    name: 'deep query',
    body: () => ({ query: `{ credentials { edges { node { owner { credentials { owner { credentials { owner { credentials { owner { credentials { owner { id } } } } } } } } } } } } }` }),
    expect: 'QUERY_TOO_COMPLEX',
  },
  { name: 'wide query (cost)', body: () => ({ query: `{ ${Array.from({ length: 25 }, (_, i) => `c${i}: credentials(first: 500) { edges { node { id name owner { name credentials { id } } } } }`).join(' ')} }` }), expect: 'QUERY_TOO_COMPLEX' },
  { name: '1,000 aliases', body: () => ({ query: `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ')} }` }), expect: 'QUERY_TOO_COMPLEX' }, // the token limit, which stops it while parsing
  // transport
  { name: 'huge body', body: () => ({ query: '{ __typename }', variables: { pad: 'x'.repeat(300_000) } }), expect: 'HTTP 413 BAD_REQUEST' },
  { name: 'text/plain content type (CSRF-able)', body: () => '{"query":"{ __typename }"}', headers: () => ({ ...ADMIN, 'content-type': 'text/plain' }), expect: 'HTTP 415 BAD_REQUEST' },
  { name: 'form content type', body: () => 'query=%7B__typename%7D', headers: () => ({ ...ADMIN, 'content-type': 'application/x-www-form-urlencoded' }), expect: 'HTTP 415 BAD_REQUEST' },
  { name: 'invalid JSON', body: () => '{"query": "{ __typename }"', expect: 'HTTP 400 BAD_REQUEST' },
  { name: 'empty body', body: () => '', expect: 'HTTP 400 BAD_REQUEST' },
  { name: 'query that is not a string', body: () => ({ query: 42 }), expect: 'HTTP 400 BAD_REQUEST' },
  { name: 'variables that are not an object', body: () => ({ query: NODE, variables: '"x"' }), expect: 'HTTP 400 BAD_REQUEST' },
  { name: 'batched operations', body: () => [{ query: '{ __typename }' }, { query: '{ __typename }' }], expect: 'HTTP 400 BAD_REQUEST' },
  { name: 'unknown operationName', body: () => ({ query: NODE, operationName: 'Other', variables: { id: 'x' } }), expect: 'OPERATION_RESOLUTION_FAILURE' },
  { name: 'variables that are not JSON (GET)', method: 'GET', body: () => ({ query: 'query($id: ID!) { node(id: $id) { id } }', variables: '{"id":' }), expect: 'HTTP 400 BAD_REQUEST' },
  { name: 'mutation over GET', method: 'GET', body: () => ({ query: `mutation { updateCredential(input: { id: "x", expiresAt: null }) { __typename } }` }), headers: () => ({ ...ADMIN, 'x-graphql-yoga-csrf': '1' }), expect: 'HTTP 405 BAD_REQUEST' },
  // callers
  { name: 'no credentials', body: node(() => ids.credential), headers: () => ({}), expect: 'HTTP 401 UNAUTHENTICATED' },
  { name: 'expired JWT', body: node(() => ids.credential), headers: async () => ({ authorization: `Bearer ${await jwt.sign({ sub: 'x', scope: 'credentials:read' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 })}` }), expect: 'HTTP 401 UNAUTHENTICATED' },
  { name: 'forged JWT', body: node(() => ids.credential), headers: async () => ({ authorization: `Bearer ${await jwt.forge({ sub: 'x', scope: 'credentials:read' })}` }), expect: 'HTTP 401 UNAUTHENTICATED' },
  { name: 'JWT without the needed scope', body: update(() => ({ id: ids.credential, expiresAt: future() })), headers: async () => ({ authorization: `Bearer ${await jwt.sign({ sub: 'x', scope: 'credentials:read' })}` }), expect: 'PermissionDeniedError' },
  { name: 'read-only key used to write', body: update(() => ({ id: ids.credential, expiresAt: future() })), headers: () => ({ 'x-api-key': KEYS.reader }), expect: 'PermissionDeniedError' },
  { name: 'key of a caller limited to another account', body: update(() => ({ id: ids.credential, expiresAt: future() })), headers: () => ({ 'x-api-key': KEYS.stagingWriter }), expect: 'PermissionDeniedError' },
];

beforeAll(async () => {
  jwt = await jwtFixture();
  h = await startHarness({ accounts: { auth0: ['auth0-prod', 'auth0-staging'] }, config: { auth: authConfig(jwt, { staging: 'auth0-staging' }) } });
  const sim = h.sim('auth0-prod') as Auth0Simulator;
  const [clientId, creds] = [...sim.state.credentials.entries()][0]!;
  ids = {
    clientId,
    credential: credId(clientId, creds[0]!.id),
    client: encodeGlobalId('Auth0Client', JSON.stringify(['auth0-prod', clientId])),
    connection: encodeGlobalId('Auth0Connection', JSON.stringify(['auth0-prod', sim.state.connections[0]!.id])),
  };
  // Warm the token cache, then start counting from zero: no case may reach a vendor at all.
  await h.post(JSON.stringify({ query: '{ credentials { totalCount } }' }), ADMIN);
});
afterAll(() => h.close());

async function outcome(c: Case): Promise<string> {
  const body = c.body();
  const headers = { 'content-type': 'application/json', ...(c.headers ? await c.headers() : ADMIN) };
  let res: Response;
  if (c.method === 'GET') {
    const { query, variables } = body as { query: string; variables?: string };
    const search = new URLSearchParams({ query, ...(variables === undefined ? {} : { variables }) });
    res = await fetch(`${h.gateway.url}?${search}`, { headers: { ...headers, accept: 'application/json' } });
  } else {
    res = await h.post(typeof body === 'string' ? body : JSON.stringify(body), headers);
  }
  const json = (await res.json().catch(() => ({}))) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
  if (res.status !== 200) return `HTTP ${res.status}${json.errors?.[0]?.extensions?.code ? ` ${json.errors[0].extensions.code}` : ''}`;
  const field = json.data ? Object.values(json.data)[0] : undefined;
  if (field && typeof field === 'object' && '__typename' in field) return String((field as { __typename: string }).__typename);
  if (json.errors?.length) return json.errors[0]!.extensions?.code ?? 'NO_CODE';
  return field === null ? 'null' : 'data';
}

describe('bad input', () => {
  it('has at least 40 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  it.each(CASES.map((c) => [c.name, c] as const))('answers %s with a clear error and sends nothing upstream', async (_name, c) => {
    for (const a of h.accounts) h.sim(a.name).clearRequests();
    expect(await outcome(c)).toBe(c.expect);
    nothingUpstream(h);
  });
});

describe('validation messages', () => {
  const REFUSAL = '__typename ... on Error { message } ... on ValidationError { fields { field message } vendor account }';
  const refusal = async (query: string, variables: Record<string, unknown>) => {
    for (const a of h.accounts) h.sim(a.name).clearRequests();
    const res = (await (await h.post(JSON.stringify({ query, variables }), ADMIN)).json()) as { data: Record<string, unknown> | null; errors?: unknown[] };
    nothingUpstream(h);
    return res;
  };
  const updated = async (input: Record<string, unknown>) =>
    (await refusal(`mutation($input: UpdateCredentialInput!) { updateCredential(input: $input) { ${REFUSAL} } }`, { input })).data!.updateCredential;
  const rotated = async (input: Record<string, unknown>) =>
    (await refusal(`mutation($input: RotateConnectionKeysInput!) { rotateConnectionKeys(input: $input) { ${REFUSAL} } }`, { input })).data!.rotateConnectionKeys;
  const MALFORMED = 'Malformed id: not an id issued by this gateway';
  const PROD = { vendor: 'AUTH0', account: 'auth0-prod' };

  it('calls an empty id malformed in updateCredential, as rotateConnectionKeys and node do', async () => {
    expect(await updated({ id: '', expiresAt: null })).toEqual({ __typename: 'ValidationError', message: MALFORMED, fields: [{ field: 'input.id', message: 'malformed' }], vendor: null, account: null });
    expect(await rotated({ connectionId: '' })).toEqual({ __typename: 'ValidationError', message: MALFORMED, fields: [{ field: 'input.connectionId', message: 'malformed' }], vendor: null, account: null });
    const node = await refusal(NODE, { id: '' });
    expect(node.errors).toEqual([expect.objectContaining({ message: MALFORMED })]);
  });

  it.each([
    ['a name over 255 characters', { name: 'n'.repeat(256) }, 'input.name', 'must be at most 255 characters'],
    ['a blank name', { name: '  ' }, 'input.name', 'must not be blank'],
    ['a description over 1024 characters', { description: 'd'.repeat(1025) }, 'input.description', 'must be at most 1024 characters'],
    ['a value over 65536 characters', { value: 'v'.repeat(65_537) }, 'input.value', 'must be at most 65536 characters'],
    ['an expiry in the past', { expiresAt: '2001-01-01T00:00:00Z' }, 'input.expiresAt', 'must be in the future'],
    ['a malformed idempotency key', { expiresAt: null, idempotencyKey: 'has space' }, 'input.idempotencyKey', 'must be 1-255 visible ASCII characters (no spaces)'],
  ])('refuses %s in words, naming the vendor and account the id is in', async (_name, change, field, message) => {
    expect(await updated({ id: ids.credential, ...change })).toEqual({ __typename: 'ValidationError', message: `Invalid input: ${field} ${message}`, fields: [{ field, message }], ...PROD });
  });

  it('refuses an expiry more than 100 years ahead though in the calendar year 100 years on', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
      const message = 'must be within 100 years';
      expect(await updated({ id: ids.credential, expiresAt: '2126-12-31T00:00:00Z' })).toEqual({
        __typename: 'ValidationError',
        message: `Invalid input: input.expiresAt ${message}`,
        fields: [{ field: 'input.expiresAt', message }],
        ...PROD,
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('counts the gateway-wide limits in characters, as the vendors do: 1024 emoji are not over 1024', async () => {
    // Within the gateway's limit, so it reaches the vendor's own rules (Auth0 cannot change a description).
    expect(await updated({ id: ids.credential, description: '🔑'.repeat(1024) })).toMatchObject({ __typename: 'UnsupportedChangeError' });
  });

  it('refuses an id of the wrong type alike in both mutations, with "a"/"an" right and the vendor and account it names', async () => {
    expect(await updated({ id: ids.connection, expiresAt: null })).toEqual({
      __typename: 'ValidationError',
      message: 'input.id must be the id of an AUTH0 credential, not of an Auth0Connection',
      fields: [{ field: 'input.id', message: 'not a credential id' }],
      ...PROD,
    });
    expect(await rotated({ connectionId: ids.credential })).toEqual({
      __typename: 'ValidationError',
      message: 'input.connectionId must be the id of an Auth0Connection, not of an Auth0ClientCredential',
      fields: [{ field: 'input.connectionId', message: 'not a connection id' }],
      ...PROD,
    });
    const list = await refusal(LIST, { filter: { owner: ids.credential } });
    expect(list.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^filter\.owner must be the id of a CredentialOwner \(.*\), not of an Auth0ClientCredential$/) })]);
  });
});
