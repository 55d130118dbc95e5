import { afterEach, beforeEach, expect, it } from 'vitest';
import { ListCredentialsDocument } from '../gql/graphql.js';
import { metricsText, sample } from '../fixtures/faults.js';
import { hangUpOnceSent, startHarness, type Harness } from '../fixtures/harness.js';

/**
 * A vault that never answers, with the request deadline (800 ms) shorter than undici's
 * headersTimeout (15 s default), as any requestTimeoutMs ≤ 15 s is: only the deadline, or the
 * client hanging up, ever cuts its calls off. THRESHOLD consecutive failures open its breaker.
 */
const THRESHOLD = 2;
const VAULT = 'vault-sandbox';

let h: Harness;
// A gateway per spec: the breaker one spec opens (for 30 s) is not the next one's.
beforeEach(async () => {
  h = await startHarness({
    accounts: { auth0: ['auth0-prod'] },
    config: { requestTimeoutMs: 800, http: { rateLimit: false, retry: { baseDelayMs: 5, maxDelayMs: 50 }, breaker: { failureThreshold: THRESHOLD, cooldownMs: 30_000 } } },
  });
  // Warm the vault's client; its calls below are then all API calls. A cold gateway on a loaded
  // machine can miss the 800 ms deadline once; a success after it leaves the breaker closed.
  let res = await inventory();
  if (res.data?.credentials.failedAccounts.length !== 0) res = await inventory();
  expect(res.data!.credentials.failedAccounts).toEqual([]);
});
afterEach(() => h.close());

/** The vault's credentials only: the other accounts' calls have their own ways to miss the 800 ms deadline on a loaded machine. */
const inventory = () => h.exec(ListCredentialsDocument, { first: 500, filter: { vendors: ['VAULT'] } });
const breakerState = async () => sample(await metricsText(h), 'circuit_breaker_state', { vendor: 'VAULT', account: VAULT });

it('does not count a call cut off by its client hanging up toward the breaker: it says nothing about the vendor', async () => {
  const vault = h.sim(VAULT);
  vault.setLatency(10_000);
  for (let i = 0; i < THRESHOLD + 1; i++) {
    const sent = vault.apiRequests().length;
    await hangUpOnceSent(h, ListCredentialsDocument, { first: 500, filter: { vendors: ['VAULT'] } }, () => vault.apiRequests().length > sent);
  }
  expect(await breakerState()).toBe(0);
  vault.setLatency(0);
  vault.clearRequests();
  expect((await inventory()).data!.credentials.failedAccounts).toEqual([]);
  expect(vault.apiRequests().length).toBeGreaterThan(0);
});

it('opens the breaker of an account that never answers within the request deadline: no answer is a failure', async () => {
  const vault = h.sim(VAULT);
  vault.setLatency(10_000);
  for (let i = 0; i < THRESHOLD; i++) {
    const res = await inventory();
    expect(res.data!.credentials.failedAccounts).toMatchObject([{ account: VAULT, code: 'UPSTREAM_ERROR' }]);
  }
  expect(await breakerState()).toBe(2);
  vault.clearRequests();
  const started = Date.now();
  const res = await inventory();
  // Circuit open: failed fast, and the vault was not asked again.
  expect(res.data!.credentials.failedAccounts).toMatchObject([{ account: VAULT, code: 'UPSTREAM_ERROR', message: expect.stringContaining('(circuit open)') }]);
  expect(vault.apiRequests()).toHaveLength(0);
  expect(Date.now() - started).toBeLessThan(400);
});
