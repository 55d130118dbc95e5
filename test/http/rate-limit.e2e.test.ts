import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import type { Auth0Simulator, SimCredential } from '../../src/vendors/auth0/simulator.js';
import { CredentialNameDocument, CredentialNamesDocument, ListCredentialsDocument, UpdateCredentialDocument } from '../gql/graphql.js';
import { metricsText, onRoute, sample, upstreamLogs, vendorRead } from '../fixtures/faults.js';
import { startHarness, type Harness } from '../fixtures/harness.js';

/**
 * Client-side rate limits per account. Every Auth0 tenant here enforces SIM_BUDGET calls per
 * one-second window with 429s (as Auth0 does). Three gateway accounts against three such tenants:
 * - LIMITED has a budget just below the vendor's (LIMIT), as a per-account `http.rateLimit`;
 * - UNLIMITED has none (the gateway-wide `http.rateLimit: false`), to show the fan-out does hit 429s;
 * - STARVED has one call per 20 s, so its second call could only go after the request deadline.
 */
const SIM_BUDGET = 10;
/** At most burst + perSecond calls can fall in any one-second window: 1 + 8 < 10. */
const LIMIT = { perSecond: 8, burst: 1 };
const FAN_OUT = 30;
const LIMITED = 'auth0-limited';
const UNLIMITED = 'auth0-unlimited';
const STARVED = 'auth0-starved';
const ROUTE = vendorRead('AUTH0').route;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    accounts: { auth0: [LIMITED, UNLIMITED, STARVED] },
    config: { requestTimeoutMs: 10_000, http: { rateLimit: false, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 } } },
    accountHttp: { [LIMITED]: { rateLimit: LIMIT }, [STARVED]: { rateLimit: { perSecond: 0.05, burst: 1 } } },
  });
  for (const account of [LIMITED, UNLIMITED]) {
    const sim = auth0(account);
    addCredentials(sim, FAN_OUT);
    // Warm the token, so the fan-outs below are GETs only.
    expect((await h.exec(CredentialNamesDocument, { ids: fanOutIds(account).slice(0, 1) })).errors).toBeUndefined();
    sim.state.rateLimit = { perSecond: SIM_BUDGET };
  }
  auth0(STARVED).state.rateLimit = { perSecond: SIM_BUDGET };
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const auth0 = (account: string) => h.sim(account) as Auth0Simulator;

/** FAN_OUT credentials of one more client, so reading them all is FAN_OUT GETs at once. */
function addCredentials(sim: Auth0Simulator, n: number) {
  const [clientId, [template]] = [...sim.state.credentials].find(([, c]) => c.length > 0)! as [string, SimCredential[]];
  const bulk = Array.from({ length: n }, (_, i) => ({ ...template!, id: `cred_bulk${String(i).padStart(4, '0')}`, name: `bulk-${i}` }));
  sim.state.credentials.set(clientId, [...sim.state.credentials.get(clientId)!, ...bulk]);
}
const bulk = (account: string) =>
  [...auth0(account).state.credentials].flatMap(([clientId, creds]) => creds.filter((c) => c.name.startsWith('bulk-')).map((c) => ({ clientId, c })));
const fanOutIds = (account: string) => bulk(account).map(({ clientId, c }) => encodeGlobalId('Auth0ClientCredential', JSON.stringify([account, clientId, c.id])));
const fanOutPaths = (account: string) => bulk(account).map(({ clientId, c }) => `/api/v2/clients/${clientId}/credentials/${c.id}`);

const waits = async (account: string) => {
  const text = await metricsText(h);
  const labels = { vendor: 'AUTH0', account };
  return {
    count: sample(text, 'rate_limit_wait_seconds_count', labels) ?? 0,
    sum: sample(text, 'rate_limit_wait_seconds_sum', labels) ?? 0,
    /** Reservations that did not wait at all. */
    immediate: sample(text, 'rate_limit_wait_seconds_bucket', { ...labels, le: '0' }) ?? 0,
  };
};
const vendor429s = (account: string) => upstreamLogs(h).filter((l) => l.account === account && l.status === 429);

describe('client-side rate limit per account', () => {
  it(`queues a fan-out of ${FAN_OUT} reads under the account's budget: every credential read once, zero 429s`, async () => {
    const before = await waits(LIMITED);
    const res = await h.exec(CredentialNamesDocument, { ids: fanOutIds(LIMITED) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.nodes.map((n) => (n as { name: string }).name)).toEqual(bulk(LIMITED).map(({ c }) => c.name));
    // Each GET path exactly once: no 429, so no retry.
    expect(onRoute(auth0(LIMITED), ROUTE).map((r) => r.path).sort()).toEqual(fanOutPaths(LIMITED).sort());
    expect(vendor429s(LIMITED)).toEqual([]);
    // rate_limit_wait_seconds saw every reservation, and most of them waited.
    const after = await waits(LIMITED);
    expect(after.count - before.count).toBe(FAN_OUT);
    expect(after.immediate - before.immediate).toBeLessThan(FAN_OUT);
    // At 8/s, 30 calls wait about 54 s in all; a generous lower bound.
    expect(after.sum - before.sum).toBeGreaterThan(5);
  });

  it('without the gateway budget the same fan-out meets 429s from the vendor (the test above can fail)', async () => {
    const before = await waits(UNLIMITED);
    await h.exec(CredentialNamesDocument, { ids: fanOutIds(UNLIMITED) });
    expect(vendor429s(UNLIMITED).length).toBeGreaterThan(0);
    // Retries of the limited calls: more GETs than credentials.
    expect(onRoute(auth0(UNLIMITED), ROUTE).length).toBeGreaterThan(FAN_OUT);
    expect((await waits(UNLIMITED)).count).toBe(before.count); // no client-side budget at all
  });

  it('fails fast with RATE_LIMITED (limitedBy: GATEWAY) when the budget wait would pass the request deadline, sending nothing', async () => {
    const target = vendorRead('AUTH0').credentials(auth0(STARVED), STARVED)[0]!;
    const before = await waits(STARVED);
    // The token fetch takes the one call of the budget; the read would have to wait ~20 s, past the 10 s deadline.
    const first = await h.exec(CredentialNameDocument, { id: target.globalId });
    expect(first.data?.node ?? null).toBeNull();
    expect(first.errors).toHaveLength(1);
    expect(first.errors![0]!.message).toMatch(/^the gateway's call budget for AUTH0 account "auth0-starved" is spent for this request; retry after \d+s$/);
    expect(first.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', limitedBy: 'GATEWAY', vendor: 'AUTH0', account: STARVED, retryable: true });
    const retryAfter = first.errors![0]!.extensions!.retryAfter as number;
    expect(retryAfter).toBeGreaterThan(10);
    expect(retryAfter).toBeLessThanOrEqual(20);

    // A refused call spends nothing: the next read is told the same wait, not one interval more.
    const second = await h.exec(CredentialNameDocument, { id: target.globalId });
    expect(second.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', limitedBy: 'GATEWAY' });
    expect(second.errors![0]!.extensions!.retryAfter).toBeLessThanOrEqual(retryAfter);

    expect(auth0(STARVED).apiRequests()).toEqual([]);
    expect(onRoute(auth0(STARVED), '/oauth/token', 'POST')).toHaveLength(1);

    // A list meets it too: the account is listed among failedAccounts with the same wait.
    const list = await h.exec(ListCredentialsDocument, { filter: { accounts: [STARVED] } });
    expect(list.data!.credentials.failedAccounts).toEqual([
      { vendor: 'AUTH0', account: STARVED, code: 'RATE_LIMITED', message: expect.stringContaining('call budget'), retryAfter: expect.any(Number), retryable: true, limitedBy: 'GATEWAY', partial: false },
    ]);
    expect(list.data!.credentials.failedAccounts[0]!.retryAfter).toBeGreaterThan(0);

    // A change meets the same budget: a typed RateLimitedError that says whose limit it was.
    const update = await h.exec(UpdateCredentialDocument, { input: { id: target.globalId, expiresAt: null } });
    expect(update.data!.updateCredential).toMatchObject({ __typename: 'RateLimitedError', vendor: 'AUTH0', account: STARVED, limitedBy: 'GATEWAY', retryable: true });
    expect(auth0(STARVED).apiRequests()).toEqual([]);

    // rate_limit_wait_seconds counts the token's reservation (no wait), not the refused calls' waits, never taken.
    const after = await waits(STARVED);
    expect({ count: after.count - before.count, sum: after.sum - before.sum }).toEqual({ count: 1, sum: 0 });
  });
});
