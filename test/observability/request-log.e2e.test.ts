import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authConfig, jwtFixture, KEYS, type JwtFixture } from '../fixtures/callers.js';
import { metricsText, sample, sleep, until } from '../fixtures/faults.js';
import { startHarness, type Harness } from '../fixtures/harness.js';
import { postSlowly } from '../fixtures/net.js';

/**
 * One log line and one duration sample per request on the GraphQL path, from its arrival to its
 * answer: what an operator finds by request id, and what the request histogram counts.
 */
const admin = { 'x-api-key': KEYS.admin };
const TYPENAME = JSON.stringify({ query: '{ __typename }' });
const VAULT_LIST = JSON.stringify({ query: '{ credentials(filter: { vendors: [VAULT] }) { totalCount } }' });

interface RequestLine {
  level: number;
  msg: string;
  requestId: string;
  caller?: string;
  authMethod?: string;
  clientName?: string;
  clientVersion?: string;
  operationType: string;
  operationName?: string;
  outcome: string;
  status: number;
  durationMs: number;
}

const requestLines = (h: Harness): RequestLine[] => h.logs.map((l) => JSON.parse(l) as RequestLine).filter((l) => l.msg === 'request');
/** The request's line, once written: it is written when the response closes, which may follow the client's read. */
async function lineOf(h: Harness, requestId: string | null): Promise<RequestLine> {
  expect(requestId).toBeTruthy();
  await until(() => requestLines(h).some((l) => l.requestId === requestId), `the request line of ${requestId}`);
  const lines = requestLines(h).filter((l) => l.requestId === requestId);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const post = (h: Harness, body: string, headers: Record<string, string> = {}) =>
  fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...admin, ...headers }, body });

describe('the request log', () => {
  let h: Harness;
  let jwt: JwtFixture;
  beforeAll(async () => {
    jwt = await jwtFixture();
    h = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { auth: authConfig(jwt), limits: { maxBodyBytes: 1_024, batching: 5, maxDepth: 3 } } });
  });
  afterAll(() => h.close());

  it('writes one info line for a request that calls no vendor: id, caller and how it authenticated, operation, outcome, status and duration, nothing else', async () => {
    const res = await post(h, TYPENAME);
    expect(res.status).toBe(200);
    const line = await lineOf(h, res.headers.get('x-request-id'));
    expect(line).toEqual({
      level: 30,
      time: expect.any(Number),
      service: 'credential-gateway',
      msg: 'request',
      requestId: res.headers.get('x-request-id'),
      caller: 'admin',
      authMethod: 'api-key',
      operationType: 'query',
      outcome: 'ok',
      status: 200,
      durationMs: expect.any(Number),
    });
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('says how the caller authenticated, api-key or jwt, and nothing of the credential itself', async () => {
    const bearer = (credential: string) => h.post(TYPENAME, { authorization: `Bearer ${credential}` });
    const bearerKey = await bearer(KEYS.admin);
    expect(await lineOf(h, bearerKey.headers.get('x-request-id'))).toMatchObject({ caller: 'admin', authMethod: 'api-key' });
    const token = await jwt.sign({ sub: 'alice@example.com', scope: 'credentials:read' });
    const byJwt = await bearer(token);
    expect(byJwt.status).toBe(200);
    const line = await lineOf(h, byJwt.headers.get('x-request-id'));
    expect(line).toMatchObject({ caller: 'alice@example.com', authMethod: 'jwt' });
    for (const part of token.split('.')) expect(JSON.stringify(line)).not.toContain(part);
  });

  it('keeps the client’s request id and names the operation: its operationName, or the name in the document', async () => {
    const named = await post(h, JSON.stringify({ query: 'query Typename { __typename }', operationName: 'Typename' }), { 'x-request-id': 'client-id-1' });
    expect(named.headers.get('x-request-id')).toBe('client-id-1');
    expect(await lineOf(h, 'client-id-1')).toMatchObject({ operationType: 'query', operationName: 'Typename', outcome: 'ok' });
    const inDocument = await post(h, JSON.stringify({ query: 'query FromDocument { __typename }' }));
    expect(await lineOf(h, inDocument.headers.get('x-request-id'))).toMatchObject({ operationName: 'FromDocument' });
  });

  it('names the client application when it says which (Apollo client awareness), and only as short visible text', async () => {
    const named = await post(h, TYPENAME, { 'apollographql-client-name': 'Credential Console', 'apollographql-client-version': '2.4.1' });
    expect(await lineOf(h, named.headers.get('x-request-id'))).toMatchObject({ clientName: 'Credential Console', clientVersion: '2.4.1' });
    for (const label of ['x'.repeat(65), 'tab\tinside', 'caf\u00e9']) {
      const res = await post(h, TYPENAME, { 'apollographql-client-name': label, 'apollographql-client-version': label });
      const line = await lineOf(h, res.headers.get('x-request-id'));
      expect(line, label).not.toHaveProperty('clientName');
      expect(line, label).not.toHaveProperty('clientVersion');
    }
  });

  it('leaves out an operationName that is not a sane GraphQL name, whatever the client sent', async () => {
    for (const operationName of ['not a name', 'x'.repeat(65), 'a"b', '{"$ne":1}']) {
      const res = await post(h, JSON.stringify({ query: '{ __typename }', operationName }));
      const line = await lineOf(h, res.headers.get('x-request-id'));
      expect(line, operationName).not.toHaveProperty('operationName');
      expect(JSON.stringify(line)).not.toContain(operationName);
    }
  });

  it('logs a document that fails validation as refused, not an error, named by the client’s operationName', async () => {
    const res = await post(h, JSON.stringify({ query: 'query Nope { nope }', operationName: 'Nope' }));
    const line = await lineOf(h, res.headers.get('x-request-id'));
    expect(line).toMatchObject({ caller: 'admin', operationType: 'unknown', operationName: 'Nope', outcome: 'refused', status: res.status });
  });

  it('logs every document refused before it ran as refused: a syntax error, a limit, an unknown persisted operation', async () => {
    const refusals: [string, string][] = [
      ['a syntax error', JSON.stringify({ query: 'query Broken { __typename' })],
      ['over the depth limit', JSON.stringify({ query: '{ credentials { edges { node { id } } } }' })],
      ['a persisted operation', JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } })],
    ];
    for (const [label, body] of refusals) {
      const res = await post(h, body);
      const { errors } = (await res.json()) as { data?: unknown; errors: unknown[] };
      expect(errors, label).toHaveLength(1);
      expect(await lineOf(h, res.headers.get('x-request-id')), label).toMatchObject({ caller: 'admin', operationType: 'unknown', outcome: 'refused', status: res.status });
    }
  });

  it('logs a batch as one request, named by its first operation, partial when some of its operations failed', async () => {
    const res = await post(h, JSON.stringify([{ query: 'query First { __typename }' }, { query: '{ nope }' }]));
    expect(res.status).toBe(200);
    expect(await lineOf(h, res.headers.get('x-request-id'))).toMatchObject({ operationType: 'query', operationName: 'First', outcome: 'partial', status: 200 });
  });

  it('logs a batch all of whose documents were refused as refused', async () => {
    const res = await post(h, JSON.stringify([{ query: '{ nope }' }, { query: '{ __typename' }]));
    expect(await lineOf(h, res.headers.get('x-request-id'))).toMatchObject({ operationType: 'unknown', outcome: 'refused' });
  });

  it('logs every refusal written in front of GraphQL, under the id its answer carries', async () => {
    const refusals: [string, () => Promise<Response>, number][] = [
      ['405', () => fetch(h.gateway.url, { method: 'PUT', headers: admin, body: TYPENAME }), 405],
      ['406', () => post(h, TYPENAME, { accept: 'text/event-stream' }), 406],
      ['415', () => post(h, TYPENAME, { 'content-type': 'text/plain' }), 415],
      ['413', () => post(h, JSON.stringify({ query: `{ __typename } # ${'x'.repeat(2_000)}` })), 413],
      ['401', () => post(h, TYPENAME, { 'x-api-key': 'cgw_not_a_key_dddddddddddddddddddddd' }), 401],
    ];
    for (const [label, send, status] of refusals) {
      const res = await send();
      expect(res.status, label).toBe(status);
      const line = await lineOf(h, res.headers.get('x-request-id'));
      expect(line, label).toMatchObject({ level: 30, operationType: 'unknown', outcome: 'refused', status });
      expect(line, label).not.toHaveProperty('caller');
      expect(line, label).not.toHaveProperty('authMethod');
      expect(((await res.json()) as { errors: { extensions: { requestId: string } }[] }).errors[0]!.extensions.requestId, label).toBe(line.requestId);
    }
  });

  it('logs how Yoga refuses a GET, after authentication, as refused under its caller: no CSRF header, or a mutation', async () => {
    const get = (query: string, headers: Record<string, string>) => fetch(`${h.gateway.url}?query=${encodeURIComponent(query)}`, { headers: { ...admin, ...headers } });
    const refusals: [string, () => Promise<Response>, number][] = [
      ['no CSRF header', () => get('{ __typename }', {}), 403],
      ['a mutation', () => get('mutation { __typename }', { 'graphql-require-preflight': '1' }), 405],
    ];
    for (const [label, send, status] of refusals) {
      const res = await send();
      expect(res.status, label).toBe(status);
      expect(await lineOf(h, res.headers.get('x-request-id')), label).toMatchObject({ caller: 'admin', outcome: 'refused', status });
    }
  });

  it('logs no variable, document text, header or key: only what names the request', async () => {
    const marks = ['VARIABLE-MARK-7a1f', 'DOCUMENT-MARK-9c2e', 'HEADER-MARK-3b8d', KEYS.admin];
    const query = 'query Marked($v: ID!) { node(id: $v) { id } } # DOCUMENT-MARK-9c2e';
    const res = await post(h, JSON.stringify({ query, variables: { v: marks[0] } }), { 'x-custom': marks[2]! });
    expect(res.status).toBe(200);
    const line = await lineOf(h, res.headers.get('x-request-id'));
    expect(line).toMatchObject({ caller: 'admin', operationType: 'query', operationName: 'Marked' });
    for (const mark of marks) expect(JSON.stringify(line)).not.toContain(mark);
  });

  it('logs a request whose client went away before its answer as cancelled (status 499)', async () => {
    h.sim('vault-sandbox').setLatency(1_000);
    try {
      await hangUp('gone-early');
      expect(await lineOf(h, 'gone-early')).toMatchObject({ caller: 'admin', operationType: 'query', outcome: 'cancelled', status: 499 });
    } finally {
      h.reset();
    }
  });

  /** Sends a vault list with node's own client and destroys the socket once the gateway is calling the vendor. */
  async function hangUp(requestId: string): Promise<void> {
    const calls = h.sim('vault-sandbox').apiRequests().length;
    const req = request(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...admin } });
    req.on('error', () => undefined);
    req.end(VAULT_LIST);
    await until(() => h.sim('vault-sandbox').apiRequests().length > calls, 'the vault call');
    req.destroy();
  }
});

/**
 * The histogram's count and sum for one label set, once the count has reached `count` (a sample is
 * taken when the response closes, which may follow the client's read), else after a second.
 */
async function requests(h: Harness, labels: { operation_type: string; outcome: string }, count: number): Promise<{ count: number; sum: number }> {
  const read = async () => {
    const text = await metricsText(h);
    return { count: sample(text, 'graphql_request_duration_seconds_count', labels) ?? 0, sum: sample(text, 'graphql_request_duration_seconds_sum', labels) ?? 0 };
  };
  for (let tries = 0; tries < 50; tries++) {
    const now = await read();
    if (now.count >= count) return now;
    await sleep(20);
  }
  return read();
}

describe('graphql_request_duration_seconds', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('counts requests refused in front of GraphQL, and by authentication, as outcome "refused"', async () => {
    h = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { auth: authConfig(await jwtFixture()) } });
    expect((await post(h, TYPENAME, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(h, TYPENAME, { accept: 'text/event-stream' })).status).toBe(406);
    expect((await post(h, TYPENAME, { 'x-api-key': 'wrong' })).status).toBe(401);
    expect((await requests(h, { operation_type: 'unknown', outcome: 'refused' }, 3)).count).toBe(3);
  });

  it('counts documents refused before they ran (syntax, validation) as outcome "refused", not "error"', async () => {
    h = await startHarness({ accounts: { auth0: ['auth0-prod'] } });
    await post(h, JSON.stringify({ query: '{ __typename' }));
    await post(h, JSON.stringify({ query: '{ nope }' }));
    expect((await requests(h, { operation_type: 'unknown', outcome: 'refused' }, 2)).count).toBe(2);
    expect((await requests(h, { operation_type: 'unknown', outcome: 'error' }, 0)).count).toBe(0);
  });

  it('times a request from its arrival: the wait for admission is in its duration', async () => {
    // Long, so that the second request may arrive up to half of it late (a loaded machine) and still wait.
    const UPSTREAM_MS = 1_000;
    /** Timed from arrival, the second is its own upstream call plus what was left of the first's; timed from admission, one call. */
    const WAITED_MIN_MS = 1.5 * UPSTREAM_MS;
    /** The server's time is inside the client's; this much more allows for clocks and rounding only, generously. */
    const SLACK_MS = 250;
    h = await startHarness({ config: { limits: { admission: { adaptive: false, min: 1, max: 1, maxQueued: 10 } } } });
    h.sim('vault-sandbox').setLatency(UPSTREAM_MS);
    const timed = async (requestId: string) => {
      const started = performance.now();
      const res = await post(h!, VAULT_LIST, { 'x-request-id': requestId });
      expect(res.status).toBe(200);
      return performance.now() - started;
    };
    const first = timed('first-of-two');
    await until(() => h!.sim('vault-sandbox').apiRequests().length === 1, 'the first request upstream');
    const [firstMs, secondMs] = await Promise.all([first, timed('second-of-two')]);
    // The second waited for (most of) the first's upstream call, then made its own.
    expect(secondMs).toBeGreaterThan(WAITED_MIN_MS);
    const { count, sum } = await requests(h, { operation_type: 'query', outcome: 'ok' }, 2);
    expect(count).toBe(2);
    // One upstream call for the first, the wait and a call for the second; no more than the clients saw.
    expect(sum).toBeGreaterThanOrEqual((UPSTREAM_MS + WAITED_MIN_MS) / 1000);
    expect(sum).toBeLessThanOrEqual((firstMs + secondMs + 2 * SLACK_MS) / 1000);
    const line = await lineOf(h, 'second-of-two');
    expect(line).toMatchObject({ operationType: 'query', outcome: 'ok', status: 200 });
    expect(line.durationMs).toBeGreaterThanOrEqual(WAITED_MIN_MS);
    expect(line.durationMs).toBeLessThanOrEqual(secondMs + SLACK_MS);
  });

  it('times a request from its arrival: reading a slow body is in its duration', async () => {
    const SLOW_MS = 300;
    h = await startHarness({ accounts: { auth0: ['auth0-prod'] } });
    const { status } = await postSlowly(h.gateway.url, TYPENAME, SLOW_MS, { 'x-request-id': 'slow-body' });
    expect(status).toBe(200);
    const { count, sum } = await requests(h, { operation_type: 'query', outcome: 'ok' }, 1);
    expect(count).toBe(1);
    // Timed from the body's end it would be a few ms. Not SLOW_MS itself: the client's timer starts
    // before its connection does, and a loaded gateway may take the request in late.
    expect(sum).toBeGreaterThanOrEqual(SLOW_MS / 2 / 1000);
    expect((await lineOf(h, 'slow-body')).durationMs).toBeGreaterThanOrEqual(SLOW_MS / 2);
  });
});
