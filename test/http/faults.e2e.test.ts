import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fault, SimulatorHandle } from '../../src/sim/server.js';
import type { Auth0Simulator } from '../../src/vendors/auth0/simulator.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { CredentialNameDocument, ListCredentialsDocument, RotateConnectionKeysDocument } from '../gql/graphql.js';
import { onRoute, until, upstreamLogs, VENDOR_READS, vendorRead, type VendorRead } from '../fixtures/faults.js';
import { startHarness, type GraphQLResponse, type Harness } from '../fixtures/harness.js';

/**
 * The fault matrix: for every vendor, a read that costs exactly one upstream GET (`node(id)` of
 * one credential), with faults injected on that GET's route. Each case states the outcome and how
 * many GETs the vendor received. Retries: 3 attempts, fast backoff; headers must arrive within
 * HEADERS_TIMEOUT_MS; the breaker is out of the way (its own file covers it).
 */
const MAX_ATTEMPTS = 3;
const HEADERS_TIMEOUT_MS = 1_500;
const HTTP = {
  rateLimit: false,
  headersTimeoutMs: HEADERS_TIMEOUT_MS,
  retry: { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 5, maxDelayMs: 50 },
  breaker: { failureThreshold: 1000, cooldownMs: 100 },
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { http: HTTP } });
  // Warm every token, so token calls never count in the cases below.
  for (const v of VENDOR_READS) {
    const res = await read(v, target(v));
    expect(res.errors).toBeUndefined();
  }
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const simOf = (v: VendorRead): SimulatorHandle => h.sim(v.account);
const target = (v: VendorRead) => v.credentials(simOf(v))[0]!;
const read = (v: VendorRead, t = target(v)) => h.exec(CredentialNameDocument, { id: t.globalId });
/** GETs of the credential route: what each case counts. */
const gets = (v: VendorRead) => onRoute(simOf(v), v.route);

/** Seconds-resolution HTTP date / epoch seconds about 2 s ahead (the client waits 1-2 s). */
const httpDateAhead = () => new Date(Date.now() + 2_000).toUTCString();
const epochSecondsAhead = () => String(Math.floor(Date.now() / 1000) + 2);

type Outcome = { data: true } | { error: Record<string, unknown> };
interface FaultCase {
  it: string;
  faults: () => Omit<Fault, 'route' | 'method'>[];
  calls: number;
  outcome: Outcome;
  /** A wait the vendor asked for must have happened: a generous lower bound on the answer time. */
  waitedAtLeastMs?: number;
}

const CASES: FaultCase[] = [
  {
    it: 'retries a 429 with Retry-After in seconds once, after the wait, and answers with the credential',
    faults: () => [{ status: 429, headers: { 'retry-after': '1' } }],
    calls: 2,
    outcome: { data: true },
    waitedAtLeastMs: 900,
  },
  {
    it: 'retries a 429 with Retry-After as an HTTP date once, after the wait, and answers with the credential',
    faults: () => [{ status: 429, headers: { 'retry-after': httpDateAhead() } }],
    calls: 2,
    outcome: { data: true },
    waitedAtLeastMs: 900,
  },
  {
    it: "retries a 429 with Auth0's X-RateLimit-Reset (epoch seconds) once, after the wait, and answers with the credential",
    faults: () => [{ status: 429, headers: { 'x-ratelimit-reset': epochSecondsAhead() } }],
    calls: 2,
    outcome: { data: true },
    waitedAtLeastMs: 900,
  },
  {
    it: 'answers RATE_LIMITED at once, with the retryAfter the vendor sent, when its Retry-After is past the request deadline',
    faults: () => [{ status: 429, headers: { 'retry-after': '3600' } }],
    calls: 1,
    outcome: { error: { code: 'RATE_LIMITED', status: 429, retryAfter: 3600, limitedBy: 'VENDOR', retryable: true } },
  },
  {
    it: 'answers UPSTREAM_ERROR at once, with the retryAfter the vendor sent, when a 503’s Retry-After is past the request deadline',
    faults: () => [{ status: 503, headers: { 'retry-after': '3600' } }],
    calls: 1,
    outcome: { error: { code: 'UPSTREAM_ERROR', status: 503, retryAfter: 3600, retryable: true } },
  },
  {
    it: 'retries a 503 twice and answers with the credential',
    faults: () => [{ status: 503, times: 2 }],
    calls: 3,
    outcome: { data: true },
  },
  {
    it: 'retries a 503 with Retry-After once, after the wait the vendor asked for, and answers with the credential',
    faults: () => [{ status: 503, headers: { 'retry-after': '1' } }],
    calls: 2,
    outcome: { data: true },
    waitedAtLeastMs: 900,
  },
  {
    it: 'retries a 502 once and answers with the credential',
    faults: () => [{ status: 502 }],
    calls: 2,
    outcome: { data: true },
  },
  {
    it: 'retries a 504 once and answers with the credential',
    faults: () => [{ status: 504 }],
    calls: 2,
    outcome: { data: true },
  },
  {
    it: `gives up with a retryable UPSTREAM_ERROR after exactly ${MAX_ATTEMPTS} attempts when every attempt is a 503`,
    faults: () => [{ status: 503, times: 100 }],
    calls: MAX_ATTEMPTS,
    outcome: { error: { code: 'UPSTREAM_ERROR', status: 503, retryable: true } },
  },
  {
    it: 'retries a 408 (the vendor gave up reading the request) once and answers with the credential',
    faults: () => [{ status: 408 }],
    calls: 2,
    outcome: { data: true },
  },
  {
    it: 'does not retry a 409 and reports it as a retryable UPSTREAM_ERROR, not as the caller’s bad input',
    faults: () => [{ status: 409 }],
    calls: 1,
    outcome: { error: { code: 'UPSTREAM_ERROR', status: 409, retryable: true } },
  },
  {
    it: 'retries a 500 once when the vendor answers x-should-retry: true, and answers with the credential',
    faults: () => [{ status: 500, headers: { 'x-should-retry': 'true' } }],
    calls: 2,
    outcome: { data: true },
  },
  {
    it: 'does not retry a 503 the vendor marks x-should-retry: false, and tells the caller it is not retryable',
    faults: () => [{ status: 503, headers: { 'x-should-retry': 'false' } }],
    calls: 1,
    outcome: { error: { code: 'UPSTREAM_ERROR', status: 503, retryable: false } },
  },
  {
    it: 'reports a 400 to a read as a non-retryable UPSTREAM_ERROR: the vendor refused the gateway’s request, not the caller’s input',
    faults: () => [{ status: 400 }],
    calls: 1,
    outcome: { error: { code: 'UPSTREAM_ERROR', status: 400, retryable: false } },
  },
  {
    it: 'does not retry a 429 the vendor marks x-should-retry: false, and tells the caller it is not retryable',
    faults: () => [{ status: 429, headers: { 'x-should-retry': 'false', 'retry-after': '1' } }],
    calls: 1,
    outcome: { error: { code: 'RATE_LIMITED', status: 429, retryable: false } },
  },
  {
    // No meaning the gateway knows (not an error class it maps, not a 5xx): asking again would get the same.
    it: 'does not retry a status it has no mapping for (HTTP 418) and reports it as a non-retryable UPSTREAM_ERROR naming the account',
    faults: () => [{ status: 418 }],
    calls: 1,
    outcome: { error: { code: 'UPSTREAM_ERROR', status: 418, retryable: false } },
  },
  {
    it: 'does not retry a 451 and reports it as a non-retryable UPSTREAM_ERROR, not as a missing credential or the caller’s input',
    faults: () => [{ status: 451 }],
    calls: 1,
    outcome: { error: { code: 'UPSTREAM_ERROR', status: 451, retryable: false } },
  },
  {
    it: 'does not retry a 500',
    faults: () => [{ status: 500 }],
    calls: 1,
    outcome: { error: { code: 'UPSTREAM_ERROR', status: 500 } },
  },
  {
    it: 'retries once when the response headers do not arrive within headersTimeoutMs, and answers with the credential',
    // The simulator holds its answer well past the headers timeout.
    faults: () => [{ delayMs: HEADERS_TIMEOUT_MS * 3 }],
    calls: 2,
    outcome: { data: true },
  },
  {
    it: 'retries a connection reset once and answers with the credential',
    faults: () => [{ reset: true }],
    calls: 2,
    outcome: { data: true },
  },
  {
    it: 'does not retry a malformed body: UPSTREAM_ERROR',
    faults: () => [{ malformed: true }],
    calls: 1,
    outcome: { error: { code: 'UPSTREAM_ERROR', status: 200 } },
  },
];

function expectOutcome(v: VendorRead, res: GraphQLResponse<{ node?: unknown }>, outcome: Outcome, name: string) {
  expect(res.status).toBe(200);
  if ('data' in outcome) {
    expect(res.errors).toBeUndefined();
    expect(res.data?.node).toEqual({ __typename: expect.any(String), id: target(v).globalId, vendor: v.vendor, account: v.account, name });
    return;
  }
  expect(res.data?.node ?? null).toBeNull();
  expect(res.errors).toHaveLength(1);
  const [error] = res.errors!;
  expect(error!.path).toEqual(['node']);
  expect(error!.extensions).toMatchObject({ vendor: v.vendor, account: v.account, ...outcome.error });
  expect(error!.message).toContain(`"${v.account}"`);
}

for (const v of VENDOR_READS) describe(`fault matrix: ${v.vendor} (${v.account}), node(id) of one credential = one GET ${v.route}`, () => {
  for (const c of CASES) it(c.it, async () => {
    const sim = simOf(v);
    const t = target(v);
    for (const f of c.faults()) sim.inject({ ...f, method: 'GET', route: v.route });
    const started = Date.now();
    const res = await read(v, t);
    const elapsed = Date.now() - started;
    sim.clearFaults();

    expectOutcome(v, res, c.outcome, t.name);
    // Every GET went to that credential, and nothing else was asked of the vendor.
    expect(gets(v).map((r) => r.path)).toEqual(Array.from({ length: c.calls }, () => t.path));
    expect(sim.apiRequests()).toHaveLength(c.calls);
    if (c.waitedAtLeastMs !== undefined) expect(elapsed).toBeGreaterThanOrEqual(c.waitedAtLeastMs);
  });

  it('writes one log line per attempt, each with its retry number', async () => {
    simOf(v).inject({ method: 'GET', route: v.route, status: 503, times: 2 });
    const res = await read(v);
    expect(res.errors).toBeUndefined();
    const requestId = res.headers.get('x-request-id')!;
    const lines = upstreamLogs(h, requestId).filter((l) => l.method === 'GET');
    expect(lines.map((l) => ({ status: l.status, retries: l.retries, vendor: l.vendor, account: l.account }))).toEqual([
      { status: 503, retries: 0, vendor: v.vendor, account: v.account },
      { status: 503, retries: 1, vendor: v.vendor, account: v.account },
      { status: 200, retries: 2, vendor: v.vendor, account: v.account },
    ]);
  });
});

for (const v of VENDOR_READS.filter((x) => x.tokenRoute !== null)) describe(`token requests: ${v.vendor}`, () => {
  it('retries a 503 of the token endpoint once and answers with the credential (2 token calls)', async () => {
    const sim = simOf(v) as SimulatorHandle & { revokeTokens(): void };
    sim.revokeTokens(); // the cached token now gets a 401, so the gateway must fetch a new one
    sim.inject({ method: 'POST', route: v.tokenRoute!, status: 503 });
    const res = await read(v);
    expect(res.errors).toBeUndefined();
    expect(res.data?.node).toMatchObject({ id: target(v).globalId, name: target(v).name });
    expect(onRoute(sim, v.tokenRoute!, 'POST')).toHaveLength(2);
    // The GET that met the revoked token (401) and the one with the new token.
    expect(gets(v)).toHaveLength(2);
    expect(gets(v)[0]!.headers.authorization).not.toBe(gets(v)[1]!.headers.authorization);
  });

  it('waits out a short Retry-After of the token endpoint within the request, then answers with the credential', async () => {
    const sim = simOf(v) as SimulatorHandle & { revokeTokens(): void };
    sim.revokeTokens();
    sim.inject({ method: 'POST', route: v.tokenRoute!, status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const res = await read(v);
    expect(res.errors).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(onRoute(sim, v.tokenRoute!, 'POST')).toHaveLength(2);
  });

  it('retries a token endpoint 503 with a Retry-After within the token request (waiting at most maxDelayMs, 50 ms here), then answers', async () => {
    const sim = simOf(v) as SimulatorHandle & { revokeTokens(): void };
    sim.revokeTokens();
    sim.inject({ method: 'POST', route: v.tokenRoute!, status: 503, headers: { 'retry-after': '30' } });
    const started = Date.now();
    const res = await read(v);
    expect(res.errors).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(onRoute(sim, v.tokenRoute!, 'POST')).toHaveLength(2);
  });

  it('refuses a token that cannot go in an Authorization header (a line break in it) as the token endpoint’s unreadable answer, and asks anew on the next request', async () => {
    const sim = simOf(v) as SimulatorHandle & { revokeTokens(): void };
    expect((await read(v)).errors).toBeUndefined();
    sim.clearRequests();
    sim.revokeTokens();
    sim.inject({ method: 'POST', route: v.tokenRoute!, status: 200, json: { access_token: 'eyJ0\r\nX-Injected: 1', token_type: 'Bearer', expires_in: 3600 } });
    const res = await read(v);
    expectOutcome(v, res, { error: { code: 'UPSTREAM_ERROR', retryable: false } }, target(v).name);
    expect(res.errors![0]!.message).toContain('at access_token');
    // Only the GET that met the revoked token went: none was attempted with the refused token.
    expect(gets(v)).toHaveLength(1);
    // Not kept: the next request asks for a token again, and is answered.
    expectOutcome(v, await read(v), { data: true }, target(v).name);
    expect(onRoute(sim, v.tokenRoute!, 'POST')).toHaveLength(2);
  });

  // The token endpoint judges the gateway's own credentials and configuration: whatever it
  // refuses, the caller's input was not at fault, and the credential is not missing.
  for (const status of [400, 401, 403, 404]) it(`reports a token endpoint ${status} as a non-retryable UPSTREAM_ERROR naming the account, asked once`, async () => {
    const sim = simOf(v) as SimulatorHandle & { revokeTokens(): void };
    // Start from a cached token (the case before may have left none) that the vendor then revokes.
    expect((await read(v)).errors).toBeUndefined();
    sim.clearRequests();
    sim.revokeTokens();
    sim.inject({ method: 'POST', route: v.tokenRoute!, status, json: { error: 'invalid_client', message: 'no such client' } });
    const res = await read(v);
    expectOutcome(v, res, { error: { code: 'UPSTREAM_ERROR', status, retryable: false } }, target(v).name);
    expect(res.errors![0]!.message).toContain(`could not get an access token from ${v.vendor} account "${v.account}" (HTTP ${status})`);
    expect(onRoute(sim, v.tokenRoute!, 'POST')).toHaveLength(1);
    // Only the GET that met the revoked token went.
    expect(gets(v)).toHaveLength(1);
  });
});

describe('non-idempotent calls are never retried: Auth0 rotateConnectionKeys', () => {
  const ROTATE = '/api/v2/connections/:id/keys/rotate';
  const auth0 = () => h.sim(vendorRead('AUTH0').account) as Auth0Simulator;
  const connection = () => {
    const c = auth0().state.connections.find((x) => x.strategy === 'okta' || x.strategy === 'oidc')!;
    return { id: c.id, globalId: encodeGlobalId('Auth0Connection', JSON.stringify(['auth0-prod', c.id])) };
  };
  const rotate = () => h.exec(RotateConnectionKeysDocument, { input: { connectionId: connection().globalId } });

  const ROTATION_FAULTS: { what: string; fault: Fault; status: number | null }[] = [
    { what: 'a 503', fault: { status: 503 }, status: 503 },
    { what: 'a connection reset after the request was sent', fault: { reset: true }, status: null },
  ];
  it('rotates once when its new token first meets a short Retry-After: nothing had been applied, so it waits and goes on', async () => {
    const keysBefore = auth0().state.keys.get(connection().id)!.map((k) => k.kid);
    (auth0() as Auth0Simulator & { revokeTokens(): void }).revokeTokens(); // the POST meets a 401, then a token 429
    auth0().inject({ method: 'POST', route: '/oauth/token', status: 429, headers: { 'retry-after': '1' } });
    const res = await rotate();
    expect(res.data?.rotateConnectionKeys.__typename).toBe('RotateConnectionKeysSuccess');
    const keysAfter = auth0().state.keys.get(connection().id)!.map((k) => k.kid);
    expect(keysAfter.filter((kid) => !keysBefore.includes(kid))).toHaveLength(1);
  });

  for (const { what, fault, status } of ROTATION_FAULTS) it(`sends exactly one POST on ${what} and answers UpstreamError with outcomeUnknown`, async () => {
    const keysBefore = auth0().state.keys.get(connection().id)!.map((k) => k.kid);
    auth0().inject({ ...fault, method: 'POST', route: ROTATE });
    const res = await rotate();
    expect(res.errors).toBeUndefined();
    expect(res.data?.rotateConnectionKeys).toMatchObject({
      __typename: 'UpstreamError',
      vendor: 'AUTH0',
      account: 'auth0-prod',
      status,
      // The same idempotency key would replay this answer, and a new one could rotate twice: read first.
      retryable: false,
      outcomeUnknown: true,
    });
    expect((res.data?.rotateConnectionKeys as { message: string }).message).toMatch(/may or may not have been applied/);
    expect(onRoute(auth0(), ROTATE, 'POST')).toHaveLength(1);
    // The fault answered before the simulator ran the rotation: nothing changed, yet the gateway cannot know that.
    expect(auth0().state.keys.get(connection().id)!.map((k) => k.kid)).toEqual(keysBefore);
  });
});

describe('a wait a failing vendor asks for, past the request deadline', () => {
  const VAULT = vendorRead('VAULT');
  const vault = () => simOf(VAULT);
  const UPDATE = `mutation ($input: UpdateCredentialInput!) {
    updateCredential(input: $input) { __typename ... on UpstreamError { status retryable outcomeUnknown retryAfter } }
  }`;
  const update = async () => {
    const res = await h.post(JSON.stringify({ query: UPDATE, variables: { input: { id: target(VAULT).globalId, name: 'renamed' } } }));
    return ((await res.json()) as { data: { updateCredential: Record<string, unknown> } }).data.updateCredential;
  };

  it('is told in the list’s failedAccounts and its error’s extensions', async () => {
    vault().inject({ method: 'GET', route: '/api/v1/credentials', status: 503, headers: { 'retry-after': '3600' } });
    const res = await h.exec(ListCredentialsDocument, { first: 500, filter: { vendors: ['VAULT'] } });
    expect(res.data!.credentials.failedAccounts).toEqual([
      { vendor: 'VAULT', account: VAULT.account, code: 'UPSTREAM_ERROR', message: expect.stringContaining('(HTTP 503)'), retryAfter: 3600, retryable: true, limitedBy: null, partial: false },
    ]);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', status: 503, retryAfter: 3600 });
    expect(onRoute(vault(), '/api/v1/credentials')).toHaveLength(1);
  });

  it('is told in a mutation’s UpstreamError, and is null when the vendor asked for none', async () => {
    vault().inject({ method: 'PUT', status: 503, headers: { 'retry-after': '3600' } });
    expect(await update()).toEqual({ __typename: 'UpstreamError', status: 503, retryable: true, outcomeUnknown: false, retryAfter: 3600 });
    vault().inject({ method: 'PUT', status: 500 });
    expect(await update()).toEqual({ __typename: 'UpstreamError', status: 500, retryable: true, outcomeUnknown: false, retryAfter: null });
    expect(vault().apiRequests().filter((r) => r.method === 'PUT')).toHaveLength(2);
  });
});

describe('the request deadline', () => {
  const DEADLINE_MS = 1_000;
  /** Well past the deadline: what the slow vendor would make the caller wait without one. */
  const SLOW_MS = 3_000;
  let d: Harness;

  beforeAll(async () => {
    d = await startHarness({
      accounts: { auth0: ['auth0-prod'] },
      config: { requestTimeoutMs: DEADLINE_MS, http: { ...HTTP, headersTimeoutMs: 15_000 } },
    });
    // Warm every token; on a loaded machine a first read may itself miss this short deadline, so try again.
    for (const v of VENDOR_READS) {
      const warm = () => d.exec(CredentialNameDocument, { id: v.credentials(d.sim(v.account))[0]!.globalId });
      let res = await warm();
      for (let i = 0; i < 3 && res.errors; i++) res = await warm();
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(() => d.close());
  beforeEach(() => d.reset());

  /** The query answers (long before the slow vendor would have) with one error naming vendor and account. */
  async function expectDeadlineError(v: VendorRead) {
    const started = Date.now();
    const res = await d.exec(CredentialNameDocument, { id: v.credentials(d.sim(v.account))[0]!.globalId });
    expect(Date.now() - started).toBeLessThan(SLOW_MS);
    expect(res.status).toBe(200);
    expect(res.data?.node ?? null).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.message).toBe(`${v.vendor} account "${v.account}" did not answer within the request deadline`);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', vendor: v.vendor, account: v.account, retryable: true });
  }

  for (const v of VENDOR_READS) it(`answers a read of a slow ${v.vendor} vendor within the deadline, with an error naming vendor and account`, async () => {
    d.sim(v.account).setLatency(SLOW_MS);
    await expectDeadlineError(v);
    // Sent once; no retry was started once the deadline had passed.
    expect(onRoute(d.sim(v.account), v.route)).toHaveLength(1);
  });

  it('answers within the deadline even when a garbage collection runs while the request waits', async () => {
    // AbortSignal.any holds its sources weakly (Node 20): a collected timeout signal would never fire.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const v = vendorRead('VAULT');
    d.sim(v.account).setLatency(SLOW_MS);
    const answer = expectDeadlineError(v);
    await until(() => onRoute(d.sim(v.account), v.route).length === 1, 'the read to reach the vendor');
    gc();
    await answer;
  });

  it('reports a rotation the deadline cut off after it was sent as outcome unknown, and a retry with its idempotency key sends nothing', async () => {
    const sim = d.sim('auth0-prod') as Auth0Simulator;
    const ROTATE = '/api/v2/connections/:id/keys/rotate';
    const c = sim.state.connections.find((x) => x.strategy === 'okta' || x.strategy === 'oidc')!;
    const keysBefore = sim.state.keys.get(c.id)!.map((k) => k.kid);
    const input = { connectionId: encodeGlobalId('Auth0Connection', JSON.stringify(['auth0-prod', c.id])), idempotencyKey: 'rotate-past-deadline' };
    sim.setLatency(SLOW_MS);
    const started = Date.now();
    const res = await d.exec(RotateConnectionKeysDocument, { input });
    expect(Date.now() - started).toBeLessThan(SLOW_MS);
    // A timed-out read is retryable; a rotation that may have been applied is not.
    expect(res.data?.rotateConnectionKeys).toMatchObject({ __typename: 'UpstreamError', vendor: 'AUTH0', account: 'auth0-prod', retryable: false, outcomeUnknown: true });
    expect((res.data?.rotateConnectionKeys as { message: string }).message).toMatch(/did not answer within the request deadline; the change may or may not have been applied/);
    // The vendor did apply it, after the gateway had stopped waiting: "unknown" was the truth.
    await until(() => sim.state.keys.get(c.id)!.map((k) => k.kid).join() !== keysBefore.join(), 'the slow rotation to land', SLOW_MS * 2);
    sim.setLatency(0);
    const again = await d.exec(RotateConnectionKeysDocument, { input });
    expect(again.data?.rotateConnectionKeys).toMatchObject({ __typename: 'UpstreamError', outcomeUnknown: true });
    expect(onRoute(sim, ROTATE, 'POST')).toHaveLength(1);
  });

  // A token fetch is shared by every caller and carries no request's deadline; each caller still
  // answers by its own. The mechanism is the core client's, the same for every vendor with tokens.
  describe('a token endpoint (Auth0)', () => {
    const v = vendorRead('AUTH0');
    const tokenCalls = () => onRoute(d.sim(v.account), v.tokenRoute!, 'POST');

    it('that is slow does not hold the query past its deadline', async () => {
      const sim = d.sim(v.account) as Auth0Simulator;
      sim.revokeTokens();
      sim.inject({ delayMs: SLOW_MS, status: 503, method: 'POST', route: v.tokenRoute! });
      await expectDeadlineError(v);
      // Only the GET that met the revoked token went: the query gave up waiting for the new token.
      expect(onRoute(sim, v.route)).toHaveLength(1);
      expect(tokenCalls()).toHaveLength(1);
      // The shared fetch carries on in the background and gets its token with a retry (the next case starts clean).
      await until(() => tokenCalls().length === 2, 'the background token fetch', SLOW_MS * 3);
    });

    it('that answers 429 with a Retry-After past the deadline refuses every query at once as RATE_LIMITED, and is asked again only after the wait', async () => {
      const WAIT_S = 2;
      const sim = d.sim(v.account) as Auth0Simulator;
      sim.revokeTokens();
      sim.inject({ status: 429, headers: { 'retry-after': String(WAIT_S) }, method: 'POST', route: v.tokenRoute! });
      const read = () => d.exec(CredentialNameDocument, { id: v.credentials(sim)[0]!.globalId });
      const started = Date.now();
      const [first, second] = [await read(), await read()];
      // Waiting for the token would have taken each of them to its deadline.
      expect(Date.now() - started).toBeLessThan(DEADLINE_MS * 1.5);
      for (const res of [first, second]) {
        expect(res.errors).toHaveLength(1);
        expect(res.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', vendor: v.vendor, account: v.account, limitedBy: 'VENDOR', retryable: true });
        expect(res.errors![0]!.extensions!.retryAfter).toBeLessThanOrEqual(WAIT_S);
      }
      expect(first.errors![0]!.extensions!.retryAfter).toBe(WAIT_S);
      // The second query was refused without asking the vendor, which had said to wait.
      expect(tokenCalls()).toHaveLength(1);
      await new Promise((r) => setTimeout(r, WAIT_S * 1000));
      expect((await read()).errors).toBeUndefined();
      expect(tokenCalls()).toHaveLength(2);
    });
  });
});
