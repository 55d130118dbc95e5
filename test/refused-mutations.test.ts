import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../src/audit.js';
import type { Auth0Simulator } from '../src/vendors/auth0/simulator.js';
import { authConfig, jwtFixture, KEYS, type JwtFixture } from './fixtures/callers.js';
import { auth0Credential } from './fixtures/ids.js';
import { nothingUpstream, startHarness, type Harness } from './fixtures/harness.js';
import { tempDir } from './fixtures/temp-dir.js';

/**
 * A mutation refused before any of it ran writes its audit record as one refused by scope does,
 * naming the mutation and the code it was refused with; a refused query, or a document that does
 * not parse, writes none.
 */

const ACCOUNTS = { auth0: ['auth0-prod'] };
const SECRET = 'sk_live_never-in-a-record';
const admin = { 'x-api-key': KEYS.admin };

const UPDATE = 'mutation Update($input: UpdateCredentialInput!) { updateCredential(input: $input) { __typename } }';
const ROTATE = 'mutation Rotate($input: RotateConnectionKeysInput!) { rotateConnectionKeys(input: $input) { __typename } }';
const QUERY = '{ credentials { totalCount } }';

const auditsOf = (h: Harness): AuditRecord[] =>
  h.logs
    .map((l) => JSON.parse(l) as { msg: string; audit?: AuditRecord })
    .filter((l) => l.msg === 'audit')
    .map((l) => l.audit!);

/** The records a request wrote, by its request id. */
const recordsOf = (h: Harness, requestId: string) => auditsOf(h).filter((r) => r.requestId === requestId);

/** The record of a mutation refused before it ran: who and which mutation, with the code; nothing of its input. */
const refused = (operation: string, outcome: string, requestId: string, caller = 'admin', via = 'api-key') => ({
  time: expect.any(String),
  requestId,
  caller,
  via,
  operation,
  vendor: null,
  account: null,
  target: null,
  fields: [],
  outcome,
  upstreamStatus: null,
});

let requests = 0;
/** Posts `body` under a fresh request id, and returns the id with the answer. */
async function send(h: Harness, body: unknown, headers: Record<string, string> = admin) {
  const requestId = `refused-${++requests}`;
  const res = await h.post(typeof body === 'string' ? body : JSON.stringify(body), { ...headers, 'x-request-id': requestId });
  const answer = (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
  return { requestId, status: res.status, answer, codes: answer.errors?.map((e) => e.extensions?.code) };
}

let jwt: JwtFixture;
beforeAll(async () => {
  jwt = await jwtFixture();
});

describe('a mutation refused by a limit on its document or by its variables', () => {
  let h: Harness;
  let credential: string;
  beforeAll(async () => {
    h = await startHarness({
      accounts: ACCOUNTS,
      // Low enough for small documents to cross them: UPDATE costs 3.5, its success selected 5.
      config: { auth: authConfig(jwt), limits: { maxDepth: 4, maxAliases: 2, maxCost: 4, maxTokens: 200 } },
    });
    credential = auth0Credential(h.sim('auth0-prod') as Auth0Simulator, 'auth0-prod', 'billing-next').globalId;
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());

  it('is recorded when refused for its depth', async () => {
    const deep = `mutation { updateCredential(input: { id: "${credential}", name: "x" }) { ... on UpdateCredentialSuccess { credential { owner { credentials { owner { id } } } } } } }`;
    const { requestId, answer, codes } = await send(h, { query: deep });
    expect(answer.errors?.[0]?.message).toMatch(/depth/i);
    expect(codes).toEqual(['QUERY_TOO_COMPLEX']);
    expect(recordsOf(h, requestId)).toEqual([refused('updateCredential', 'QUERY_TOO_COMPLEX', requestId)]);
    nothingUpstream(h);
  });

  it('is recorded once per mutation it selects when refused for its aliases, however many times it is aliased', async () => {
    const input = `(input: { id: "${credential}", name: "x" }) { __typename }`;
    const aliased = `mutation { a: updateCredential${input} b: updateCredential${input} c: updateCredential${input} d: rotateConnectionKeys(input: { connectionId: "x" }) { __typename } }`;
    const { requestId, answer } = await send(h, { query: aliased });
    expect(answer.errors?.[0]?.message).toMatch(/alias/i);
    expect(recordsOf(h, requestId)).toEqual([refused('updateCredential', 'QUERY_TOO_COMPLEX', requestId), refused('rotateConnectionKeys', 'QUERY_TOO_COMPLEX', requestId)]);
    nothingUpstream(h);
  });

  it('is recorded when refused for its cost', async () => {
    const costly = 'mutation($input: UpdateCredentialInput!) { updateCredential(input: $input) { __typename ... on UpdateCredentialSuccess { replayed } } }';
    const { requestId, answer, codes } = await send(h, { query: costly, variables: { input: { id: credential, value: SECRET } } });
    expect(answer.errors?.[0]?.message).toMatch(/Cost limit of 4 exceeded/);
    expect(codes).toEqual(['QUERY_TOO_COMPLEX']);
    expect(recordsOf(h, requestId)).toEqual([refused('updateCredential', 'QUERY_TOO_COMPLEX', requestId)]);
    nothingUpstream(h);
  });

  it('is recorded when its variables are invalid, without their values', async () => {
    const { requestId, codes } = await send(h, { query: UPDATE, variables: { input: { id: credential, value: SECRET, expiresAt: 'not-a-date' } } });
    expect(codes).toEqual(['BAD_USER_INPUT']);
    expect(recordsOf(h, requestId)).toEqual([refused('updateCredential', 'BAD_USER_INPUT', requestId)]);
    expect(h.logs.join('\n')).not.toContain(SECRET);
    nothingUpstream(h);
  });

  it('is recorded when the document fails any other validation', async () => {
    const { requestId, codes } = await send(h, { query: 'mutation { updateCredential(input: { id: "x", colour: "red" }) { __typename } }' });
    expect(codes).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(recordsOf(h, requestId)).toEqual([refused('updateCredential', 'GRAPHQL_VALIDATION_FAILED', requestId)]);
  });

  it('is recorded when it is the operation operationName selects, and not when that is a query of the same document', async () => {
    const document = `query Lookup($id: ID!) { node(id: $id) { id } } ${UPDATE}`;
    const variables = { id: null, input: { id: 'x', expiresAt: 'not-a-date' } };
    const mutation = await send(h, { query: document, operationName: 'Update', variables });
    expect(mutation.codes).toEqual(['BAD_USER_INPUT']);
    expect(recordsOf(h, mutation.requestId)).toEqual([refused('updateCredential', 'BAD_USER_INPUT', mutation.requestId)]);
    const query = await send(h, { query: document, operationName: 'Lookup', variables });
    expect(query.codes).toEqual(['BAD_USER_INPUT']);
    expect(recordsOf(h, query.requestId)).toEqual([]);
    nothingUpstream(h);
  });

  it('is recorded when sent by GET, which never runs a mutation', async () => {
    const requestId = `refused-${++requests}`;
    const url = `${h.gateway.url}?${new URLSearchParams({ query: UPDATE, operationName: 'Update', variables: JSON.stringify({ input: { id: 'x', value: SECRET } }) })}`;
    const res = await fetch(url, { headers: { ...admin, 'graphql-require-preflight': '1', 'x-request-id': requestId } });
    expect(res.status).toBe(405);
    expect(recordsOf(h, requestId)).toEqual([refused('updateCredential', 'BAD_REQUEST', requestId)]);
    expect(h.logs.join('\n')).not.toContain(SECRET);
    nothingUpstream(h);
  });

  it('writes no record for a refused query', async () => {
    const before = auditsOf(h).length;
    const deep = await send(h, { query: '{ credentials { edges { node { owner { credentials { owner { id } } } } } } }' });
    expect(deep.codes).toEqual(['QUERY_TOO_COMPLEX']);
    const costly = await send(h, { query: QUERY });
    expect(costly.answer.errors?.[0]?.message).toMatch(/Cost limit/);
    const badVariable = await send(h, { query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: null } });
    expect(badVariable.codes).toEqual(['BAD_USER_INPUT']);
    expect(auditsOf(h).slice(before)).toEqual([]);
    nothingUpstream(h);
  });

  it('writes no record for a document that does not parse, or not within the token limit: nothing identifies a mutation', async () => {
    const before = auditsOf(h).length;
    const broken = await send(h, { query: `mutation { updateCredential(input: { id: "${credential}" }) { __typename }` });
    expect(broken.codes).toEqual(['GRAPHQL_PARSE_FAILED']);
    const long = await send(h, { query: `mutation { updateCredential(input: { id: "${credential}", name: "x" }) { ${'__typename '.repeat(200)} } }` });
    expect(long.codes).toEqual(['QUERY_TOO_COMPLEX']);
    expect(auditsOf(h).slice(before)).toEqual([]);
    nothingUpstream(h);
  });
});

describe('a mutation refused for the caller’s budget', () => {
  let h: Harness;
  /** A caller of its own (its own budget) with every scope, by JWT. */
  const caller = async (name: string) => ({ authorization: `Bearer ${await jwt.sign({ sub: name, scope: 'credentials:read credentials:write keys:rotate' })}` });
  beforeAll(async () => {
    // Two operations, then one a hundred seconds later: no test waits that long.
    h = await startHarness({ accounts: ACCOUNTS, config: { auth: authConfig(jwt), limits: { batching: 5, perCaller: { perSecond: 0.01, burst: 2 } } } });
  });
  afterAll(() => h.close());

  it('is recorded, by the caller that sent it; a refused query, or what does not parse, is not', async () => {
    const headers = await caller('looping-client');
    for (let i = 0; i < 2; i++) expect((await send(h, { query: QUERY }, headers)).status).toBe(200);
    h.reset();
    const before = auditsOf(h).length;
    const mutation = await send(h, { query: UPDATE, variables: { input: { id: 'x', value: SECRET } } }, headers);
    expect([mutation.status, mutation.codes]).toEqual([429, ['RATE_LIMITED']]);
    const query = await send(h, { query: QUERY }, headers);
    const broken = await send(h, { query: 'mutation { updateCredential(' }, headers);
    expect([query.status, broken.status]).toEqual([429, 429]);
    expect(auditsOf(h).slice(before)).toEqual([refused('updateCredential', 'RATE_LIMITED', mutation.requestId, 'looping-client', 'jwt')]);
    expect(h.logs.join('\n')).not.toContain(SECRET);
    nothingUpstream(h);
  });

  it('is recorded for each mutation of a batch refused part way through, the ones it paid for included', async () => {
    const headers = await caller('batching-client');
    h.reset();
    const batch = await send(h, [{ query: UPDATE, variables: { input: { id: 'x' } } }, { query: QUERY }, { query: ROTATE, variables: { input: { connectionId: 'x' } } }], headers);
    expect([batch.status, batch.codes]).toEqual([429, ['RATE_LIMITED']]);
    expect(recordsOf(h, batch.requestId)).toEqual([
      refused('updateCredential', 'RATE_LIMITED', batch.requestId, 'batching-client', 'jwt'),
      refused('rotateConnectionKeys', 'RATE_LIMITED', batch.requestId, 'batching-client', 'jwt'),
    ]);
    nothingUpstream(h);
  });
});

describe('a mutation refused by the persisted-operations policy', () => {
  let h: Harness;
  beforeAll(async () => {
    const file = join(await tempDir('persisted'), 'operations.json');
    await writeFile(file, JSON.stringify({ [createHash('sha256').update(QUERY).digest('hex')]: QUERY }));
    h = await startHarness({ accounts: ACCOUNTS, config: { auth: authConfig(jwt), persistedOperations: { file } } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());

  it('is recorded when sent as a document where only listed hashes run; a refused query is not', async () => {
    const before = auditsOf(h).length;
    const mutation = await send(h, { query: ROTATE, operationName: 'Rotate', variables: { input: { connectionId: 'x' } } });
    expect(mutation.codes).toEqual(['PERSISTED_QUERY_ONLY']);
    const query = await send(h, { query: QUERY });
    expect(query.codes).toEqual(['PERSISTED_QUERY_ONLY']);
    expect(auditsOf(h).slice(before)).toEqual([refused('rotateConnectionKeys', 'PERSISTED_QUERY_ONLY', mutation.requestId)]);
    nothingUpstream(h);
  });
});
