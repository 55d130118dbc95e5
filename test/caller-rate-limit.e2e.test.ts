import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authConfig, jwtFixture, KEYS } from './fixtures/callers.js';
import { startHarness, type Harness } from './fixtures/harness.js';

/**
 * Each caller has its own budget of GraphQL requests: two at once, then one every two seconds
 * (slow enough that a loaded machine cannot refill it between two requests).
 */
let h: Harness;
const QUERY = JSON.stringify({ query: '{ credentials { totalCount } }' });
const admin = { 'x-api-key': KEYS.admin };

/** Requests until the budget refuses one (at most ten), and that refusal. */
async function exhaust(): Promise<Response> {
  for (let i = 0; i < 10; i++) {
    const res = await h.post(QUERY, { ...admin, 'x-request-id': `budget-${i}` });
    if (res.status !== 200) return res;
  }
  throw new Error('the budget never refused');
}

describe('a caller over its own request budget', () => {
  // A gateway per spec: each starts with every caller's budget full, whatever ran before it.
  beforeEach(async () => {
    h = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { auth: authConfig(await jwtFixture()), limits: { perCaller: { perSecond: 0.5, burst: 2 } } } });
  });
  afterEach(() => h.close());

  it('gets HTTP 429 with Retry-After and RATE_LIMITED, sending nothing upstream, while another caller is still served', async () => {
    for (let i = 0; i < 2; i++) expect((await h.post(QUERY, admin)).status).toBe(200);
    h.sim('auth0-prod').clearRequests();

    const refused = await h.post(QUERY, { ...admin, 'x-request-id': 'over-budget-1' });
    expect([refused.status, refused.statusText]).toEqual([429, 'Too Many Requests']);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(refused.headers.get('x-request-id')).toBe('over-budget-1');
    expect(await refused.json()).toEqual({
      errors: [
        {
          message: `Too many requests from caller "admin": at most 0.5 per second, bursts of 2; retry after ${retryAfter} s`,
          extensions: { code: 'RATE_LIMITED', retryAfter, requestId: 'over-budget-1' },
        },
      ],
    });
    expect(h.sim('auth0-prod').requests).toEqual([]);

    const reader = await h.post(QUERY, { 'x-api-key': KEYS.reader });
    expect(reader.status).toBe(200);
    expect(((await reader.json()) as { data: { credentials: { totalCount: number } } }).data.credentials.totalCount).toBeGreaterThan(0);
  });

  it('is served again once the Retry-After it was given has passed', async () => {
    const refused = await exhaust();
    expect(refused.status).toBe(429);
    await new Promise((r) => setTimeout(r, Number(refused.headers.get('retry-after')) * 1_000 + 100));
    expect((await h.post(QUERY, admin)).status).toBe(200);
  });
});

describe('a batch', () => {
  let batched: Harness;
  beforeEach(async () => {
    batched = await startHarness({
      accounts: { auth0: ['auth0-prod'] },
      config: { auth: authConfig(await jwtFixture()), limits: { batching: 10, perCaller: { perSecond: 0.5, burst: 2 } } },
    });
  });
  afterEach(() => batched.close());

  it('counts as many operations as it holds: one over the budget refuses the whole batch before any of it runs', async () => {
    const op = { query: '{ credentials { totalCount } }' };
    const refused = await batched.post(JSON.stringify([op, op, op]), admin);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED' } }] });
    expect(batched.sim('auth0-prod').requests).toEqual([]);
  });
});
