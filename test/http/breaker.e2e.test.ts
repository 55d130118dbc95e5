import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Auth0Simulator } from '../../src/vendors/auth0/simulator.js';
import { CredentialNameDocument, ListCredentialsDocument } from '../gql/graphql.js';
import { metricsText, onRoute, sample, sleep, until, VENDOR_READS, vendorRead } from '../fixtures/faults.js';
import { startHarness, type Harness } from '../fixtures/harness.js';

/**
 * The circuit breaker of one account (auth0-prod): THRESHOLD consecutive failures open it; while
 * open, its calls fail fast and nothing is sent; after COOLDOWN_MS one probe decides. Faults are
 * 500s (never retried), so each failing read is exactly one failure.
 */
const THRESHOLD = 3;
const COOLDOWN_MS = 1_000;
const PROD = 'auth0-prod';
const STAGING = 'auth0-staging';
const AUTH0 = vendorRead('AUTH0');

let h: Harness;
let prod: Auth0Simulator;

beforeAll(async () => {
  h = await startHarness({
    accounts: { auth0: [PROD, STAGING] },
    config: {
      http: { rateLimit: false, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 }, breaker: { failureThreshold: THRESHOLD, cooldownMs: COOLDOWN_MS } },
    },
  });
  prod = h.sim(PROD) as Auth0Simulator;
  // Warm every token: the counts below are API calls only.
  for (const v of VENDOR_READS) expect((await read(v.credentials(h.sim(v.account))[0]!.globalId)).errors).toBeUndefined();
  expect((await read(staging().globalId)).errors).toBeUndefined();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const read = (id: string) => h.exec(CredentialNameDocument, { id });
const target = () => AUTH0.credentials(prod)[0]!;
/** A credential of the other Auth0 tenant (same vendor, its own breaker). */
const staging = () => AUTH0.credentials(h.sim(STAGING), STAGING)[0]!;
const breakerState = async (account = PROD) => sample(await metricsText(h), 'circuit_breaker_state', { vendor: 'AUTH0', account });

async function expectData(id: string, name: string) {
  const res = await read(id);
  expect(res.errors).toBeUndefined();
  expect(res.data?.node).toMatchObject({ id, name });
}

async function expectCircuitOpen() {
  const res = await read(target().globalId);
  expect(res.data?.node ?? null).toBeNull();
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0]!.message).toMatch(/^AUTH0 account "auth0-prod" is failing; calls are paused for \d+s \(circuit open\)$/);
  expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', vendor: 'AUTH0', account: PROD, status: null, retryable: true, circuitOpen: true });
  // The pause its message tells, as a client reads when to ask again.
  const paused = Number(/paused for (\d+)s/.exec(res.errors![0]!.message)![1]);
  expect(res.errors![0]!.extensions!.retryAfter).toBe(paused);
}

/** THRESHOLD reads of auth0-prod meet a 500: the last one opens the breaker. */
async function trip() {
  prod.inject({ method: 'GET', route: AUTH0.route, status: 500, times: THRESHOLD });
  for (let i = 0; i < THRESHOLD; i++) {
    const res = await read(target().globalId);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', status: 500 });
    expect(res.errors![0]!.extensions!.circuitOpen).toBeUndefined();
  }
  expect(onRoute(prod, AUTH0.route)).toHaveLength(THRESHOLD);
  expect(await breakerState()).toBe(2);
  prod.clearRequests();
}

/** Wait out the cool-down; the next call is the probe. */
const coolDown = () => sleep(COOLDOWN_MS + 100);

/** Leaves the breaker closed for the next test: a successful probe after the cool-down. */
async function recover() {
  h.reset();
  await coolDown();
  await expectData(target().globalId, target().name);
  expect(await breakerState()).toBe(0);
}

describe('circuit breaker per account', () => {
  it(`opens after ${THRESHOLD} consecutive failures; then reads fail fast with a retryable UpstreamError (circuitOpen) and send nothing`, async () => {
    expect(await breakerState()).toBe(0);
    await trip();
    await expectCircuitOpen();
    await expectCircuitOpen();
    // Not a single request reached the vendor, not even a token call.
    expect(prod.requests).toEqual([]);
    expect(await breakerState()).toBe(2);
    await recover();
  });

  it('leaves the other account of the same vendor, and the other vendors, answering while open', async () => {
    await trip();
    await expectData(staging().globalId, staging().name);
    for (const v of VENDOR_READS.filter((x) => x.vendor !== 'AUTH0')) {
      const t = v.credentials(h.sim(v.account))[0]!;
      await expectData(t.globalId, t.name);
    }
    // A list across both tenants: staging's credentials, and one error for prod's open circuit.
    const list = await h.exec(ListCredentialsDocument, { filter: { vendors: ['AUTH0'] }, first: 500 });
    expect(list.data!.credentials.edges.length).toBeGreaterThan(0);
    expect(new Set(list.data!.credentials.edges.map((e) => e.node.account))).toEqual(new Set([STAGING]));
    expect(list.errors).toHaveLength(1);
    expect(list.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', vendor: 'AUTH0', account: PROD, circuitOpen: true, retryable: true });
    expect(list.data!.credentials.failedAccounts).toEqual([expect.objectContaining({ account: PROD, code: 'UPSTREAM_ERROR', retryable: true, retryAfter: expect.any(Number) })]);
    expect(prod.requests).toEqual([]);
    expect(await breakerState(STAGING)).toBe(0);
    await recover();
  });

  it('after the cool-down lets exactly one probe through; its success closes the breaker and calls flow again', async () => {
    await trip();
    await coolDown();
    // The probe is slow, so the reads below arrive while it is still in flight.
    prod.setLatency(2_500);
    const probe = read(target().globalId);
    await until(() => onRoute(prod, AUTH0.route).length === 1, 'the probe to reach the vendor');
    expect(await breakerState()).toBe(1); // half-open
    await expectCircuitOpen();
    await expectCircuitOpen();
    expect(onRoute(prod, AUTH0.route)).toHaveLength(1);
    const res = await probe;
    expect(res.errors).toBeUndefined();
    expect(res.data?.node).toMatchObject({ id: target().globalId, name: target().name });
    expect(await breakerState()).toBe(0);

    prod.setLatency(0);
    prod.clearRequests();
    for (let i = 0; i < 3; i++) await expectData(target().globalId, target().name);
    expect(onRoute(prod, AUTH0.route)).toHaveLength(3);
  });

  it('re-opens for another cool-down when the probe fails', async () => {
    await trip();
    await coolDown();
    prod.inject({ method: 'GET', route: AUTH0.route, status: 500 });
    const res = await read(target().globalId);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', status: 500 });
    expect(onRoute(prod, AUTH0.route)).toHaveLength(1);
    expect(await breakerState()).toBe(2);
    await expectCircuitOpen();
    expect(onRoute(prod, AUTH0.route)).toHaveLength(1);
    await recover();
  });

  it('lets a probe whose token the vendor now rejects fetch a new one: the 401 is an answer, so the breaker closes and the call is answered', async () => {
    await trip();
    // The vendor came back having forgotten every token it issued.
    prod.revokeTokens();
    await coolDown();
    await expectData(target().globalId, target().name);
    expect(prod.requests.map((r) => `${r.method} ${r.route}`)).toEqual([`GET ${AUTH0.route}`, 'POST /oauth/token', `GET ${AUTH0.route}`]);
    expect(await breakerState()).toBe(0);
  });

  it('counts only consecutive failures: a success in between starts the count again', async () => {
    for (let round = 0; round < 2; round++) {
      prod.inject({ method: 'GET', route: AUTH0.route, status: 500, times: THRESHOLD - 1 });
      for (let i = 0; i < THRESHOLD - 1; i++) expect((await read(target().globalId)).errors![0]!.extensions!.status).toBe(500);
      await expectData(target().globalId, target().name);
    }
    expect(onRoute(prod, AUTH0.route)).toHaveLength(2 * THRESHOLD);
    expect(await breakerState()).toBe(0);
  });

  it("does not count answers that say nothing about the vendor's health: 404 and 429", async () => {
    prod.inject({ method: 'GET', route: AUTH0.route, status: 404, times: THRESHOLD });
    for (let i = 0; i < THRESHOLD; i++) {
      const res = await read(target().globalId);
      expect(res.errors).toBeUndefined();
      expect(res.data?.node).toBeNull();
    }
    prod.inject({ method: 'GET', route: AUTH0.route, status: 429, headers: { 'retry-after': '3600' }, times: THRESHOLD });
    for (let i = 0; i < THRESHOLD; i++) expect((await read(target().globalId)).errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    await expectData(target().globalId, target().name);
    expect(onRoute(prod, AUTH0.route)).toHaveLength(2 * THRESHOLD + 1);
    expect(await breakerState()).toBe(0);
  });
});
