import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { Metrics } from '../../src/observability/metrics.js';
import { sample } from '../fixtures/faults.js';

/** What bounds every duration measured: a request's deadline, at its default. */
const DEADLINE_S =
  parseConfig({ auth: 'none', accounts: [{ vendor: 'auth0', name: 'prod', baseUrl: 'https://acme.eu.auth0.com', clientId: 'abc', clientSecret: 'x'.repeat(32) }] }).requestTimeoutMs / 1000;
const ACCOUNT = { vendor: 'AUTH0', account: 'prod' };

describe('the duration histograms', () => {
  it('tell apart durations up to the default request deadline: none lands in +Inf, where a quantile reads as the last bucket', async () => {
    const metrics = new Metrics();
    const longest = DEADLINE_S * 0.9; // a wait for the rate budget, or a slow vendor answer, within the deadline
    metrics.requests.observe({ operation_type: 'query', outcome: 'ok' }, longest);
    metrics.upstream.observe({ ...ACCOUNT, method: 'GET', route: '/api/v2/clients', outcome: '2xx' }, longest);
    metrics.rateLimitWait.observe(ACCOUNT, longest);
    const text = await metrics.registry.metrics();
    for (const name of ['graphql_request_duration_seconds', 'upstream_request_duration_seconds', 'rate_limit_wait_seconds']) {
      const les = [...text.matchAll(new RegExp(`^${name}_bucket\\{.*\\ble="([^"]+)"`, 'gm'))].map((m) => Number(m[1])).filter(Number.isFinite);
      const top = Math.max(...les);
      expect(top, `${name}'s highest bucket`).toBeGreaterThanOrEqual(DEADLINE_S);
      expect(sample(text, `${name}_bucket`, { le: String(top) }), `${name}: a sample of ${longest} s in a finite bucket`).toBe(1);
    }
  });
});
