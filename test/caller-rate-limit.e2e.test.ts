import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfig, jwtFixture, KEYS } from './fixtures/callers.js';
import { startHarness, type Harness } from './fixtures/harness.js';

/** Each caller has its own budget of GraphQL requests: two at once, then one a second. */
let h: Harness;
const QUERY = JSON.stringify({ query: '{ credentials { totalCount } }' });

beforeAll(async () => {
  h = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { auth: authConfig(await jwtFixture()), limits: { perCaller: { perSecond: 1, burst: 2 } } } });
});
afterAll(() => h.close());

describe('a caller over its own request budget', () => {
  it('gets HTTP 429 with Retry-After and RATE_LIMITED, sending nothing upstream, while another caller is still served', async () => {
    const admin = { 'x-api-key': KEYS.admin };
    for (let i = 0; i < 2; i++) expect((await h.post(QUERY, admin)).status).toBe(200);
    h.sim('auth0-prod').clearRequests();

    const refused = await h.post(QUERY, { ...admin, 'x-request-id': 'over-budget-1' });
    expect([refused.status, refused.statusText]).toEqual([429, 'Too Many Requests']);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('x-request-id')).toBe('over-budget-1');
    expect(await refused.json()).toEqual({
      errors: [
        {
          message: 'Too many requests from caller "admin": at most 1 per second, bursts of 2; retry after 1 s',
          extensions: { code: 'RATE_LIMITED', retryAfter: 1, requestId: 'over-budget-1' },
        },
      ],
    });
    expect(h.sim('auth0-prod').requests).toEqual([]);

    const reader = await h.post(QUERY, { 'x-api-key': KEYS.reader });
    expect(reader.status).toBe(200);
    expect(((await reader.json()) as { data: { credentials: { totalCount: number } } }).data.credentials.totalCount).toBeGreaterThan(0);
  });

  it('is served again once its budget has refilled', async () => {
    const admin = { 'x-api-key': KEYS.admin };
    let status = 200;
    for (let i = 0; i < 10 && status === 200; i++) status = (await h.post(QUERY, admin)).status;
    expect(status).toBe(429);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await h.post(QUERY, admin)).status).toBe(200);
  });
});
