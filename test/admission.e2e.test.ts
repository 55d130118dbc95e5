import { afterEach, describe, expect, it } from 'vitest';
import { until } from './fixtures/faults.js';
import { postSlowly } from './fixtures/net.js';
import { startHarness, type Harness } from './fixtures/harness.js';

/** Admission control through the real gateway: one request at a time, so the second must wait or be refused. */
const VAULT_LIST = JSON.stringify({ query: '{ credentials(filter: { vendors: [VAULT] }) { totalCount } }' });
const UPSTREAM_MS = 400;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function oneAtATime(maxQueued: number, more: { maxWaitMs?: number; requestTimeoutMs?: number } = {}): Promise<Harness> {
  const { maxWaitMs, requestTimeoutMs } = more;
  h = await startHarness({ config: { requestTimeoutMs, limits: { admission: { adaptive: false, min: 1, max: 1, maxQueued, maxWaitMs } } } });
  h.sim('vault-sandbox').setLatency(UPSTREAM_MS);
  h.sim('vault-sandbox').clearRequests();
  return h;
}

describe('admission', () => {
  it('holds a request beyond the limit until the running one has answered, then serves it', async () => {
    const h = await oneAtATime(10);
    const vault = h.sim('vault-sandbox');
    // When each call reached the vault, as it recorded them (not when a poll here noticed).
    const arrived: number[] = [];
    const record = vault.requests.push.bind(vault.requests);
    vault.requests.push = (...requests) => (arrived.push(performance.now()), record(...requests));
    const first = h.post(VAULT_LIST);
    await until(() => vault.apiRequests().length === 1, 'the first request upstream');
    const second = h.post(VAULT_LIST);
    const answers = await Promise.all([first, second]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    for (const r of answers) expect(((await r.json()) as { data: { credentials: { totalCount: number } } }).data.credentials.totalCount).toBeGreaterThan(0);
    expect(vault.apiRequests()).toHaveLength(2);
    // The first was held upstream for UPSTREAM_MS; the second reached the vendor only after that,
    // however slow this machine (a few ms under it allow for the timers' rounding).
    expect(arrived).toHaveLength(2);
    expect(arrived[1]! - arrived[0]!).toBeGreaterThanOrEqual(UPSTREAM_MS - 5);
  });

  it('refuses with 503 OVERLOADED when no request may wait, and sends nothing upstream for it', async () => {
    const h = await oneAtATime(0);
    const vault = h.sim('vault-sandbox');
    const first = h.post(VAULT_LIST);
    await until(() => vault.apiRequests().length === 1, 'the first request upstream');
    const refused = await h.post(VAULT_LIST);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('OVERLOADED');
    expect((await first).status).toBe(200);
    expect(vault.apiRequests()).toHaveLength(1);
    const metrics = await (await fetch(`${new URL(h.gateway.url).origin}/metrics`)).text();
    expect(metrics).toMatch(/^graphql_admission_shed_total 1$/m);
    expect(metrics).toMatch(/^graphql_admission_limit 1$/m);
  });

  it('refuses a waiting request as soon as maxWaitMs has passed, not when the running one ends', async () => {
    const h = await oneAtATime(10, { maxWaitMs: 100 });
    const vault = h.sim('vault-sandbox');
    const SLOW_MS = 2_000;
    vault.setLatency(SLOW_MS);
    const first = h.post(VAULT_LIST);
    await until(() => vault.apiRequests().length === 1, 'the first request upstream');
    const started = Date.now();
    const refused = await h.post(VAULT_LIST);
    expect(Date.now() - started).toBeLessThan(SLOW_MS / 2);
    expect(refused.status).toBe(503);
    expect((await first).status).toBe(200);
    expect(vault.apiRequests()).toHaveLength(1);
  });

  it('counts maxWaitMs from arrival: a request whose body took it all is refused as soon as it would queue, never started late', async () => {
    const MAX_WAIT_MS = 1_000;
    const BODY_MS = 1_500;
    /** The first holds the only slot past the moment the second's body is in, and frees it before the second's wait would end counted from then. */
    const HOLD_MS = 2_000;
    const h = await oneAtATime(10, { maxWaitMs: MAX_WAIT_MS });
    const vault = h.sim('vault-sandbox');
    vault.setLatency(HOLD_MS);
    const first = h.post(VAULT_LIST);
    await until(() => vault.apiRequests().length === 1, 'the first request upstream');
    const refused = await postSlowly(h.gateway.url, VAULT_LIST, BODY_MS);
    expect(refused.status).toBe(503);
    expect((JSON.parse(refused.text) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('OVERLOADED');
    // Refused once queued (~BODY_MS), not when the slot came free (~HOLD_MS) and it would have started.
    expect(refused.elapsedMs).toBeLessThan((BODY_MS + HOLD_MS) / 2);
    expect((await first).status).toBe(200);
    expect(vault.apiRequests()).toHaveLength(1);
  });

  it('counts the wait for admission in the request deadline: a request answers within requestTimeoutMs of arriving', async () => {
    const TIMEOUT_MS = 2_000;
    /** How long the first request holds the only slot: within its own deadline, most of the second's. */
    const HOLD_MS = 1_500;
    const h = await oneAtATime(10, { requestTimeoutMs: TIMEOUT_MS });
    const vault = h.sim('vault-sandbox');
    vault.setLatency(HOLD_MS);
    const first = h.post(VAULT_LIST);
    await until(() => vault.apiRequests().length === 1, 'the first request upstream');
    // The second's own upstream call would not answer before any deadline.
    vault.setLatency(5_000);
    const started = Date.now();
    const late = await h.post(VAULT_LIST);
    const elapsed = Date.now() - started;
    const body = (await late.json()) as { errors?: { message: string; extensions: { code: string } }[] };
    expect(body.errors?.[0]).toMatchObject({ message: 'VAULT account "vault-sandbox" did not answer within the request deadline', extensions: { code: 'UPSTREAM_ERROR' } });
    // It was admitted and made its call, cut short by the deadline.
    expect(vault.apiRequests()).toHaveLength(2);
    // The deadline counts from arrival: ~TIMEOUT_MS. Counted from admission it would be ~HOLD_MS
    // later; halfway between leaves a loaded machine HOLD_MS / 2 either way.
    expect(elapsed).toBeLessThan(TIMEOUT_MS + HOLD_MS / 2);
    expect((await first).status).toBe(200);
  });
});
