import { afterEach, describe, expect, it } from 'vitest';
import { until } from './fixtures/faults.js';
import { startHarness, type Harness } from './fixtures/harness.js';

/** Admission control through the real gateway: one request at a time, so the second must wait or be refused. */
const VAULT_LIST = JSON.stringify({ query: '{ credentials(filter: { vendors: [VAULT] }) { totalCount } }' });
const UPSTREAM_MS = 400;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function oneAtATime(maxQueued: number): Promise<Harness> {
  h = await startHarness({ config: { limits: { admission: { adaptive: false, min: 1, max: 1, maxQueued } } } });
  h.sim('vault-sandbox').setLatency(UPSTREAM_MS);
  h.sim('vault-sandbox').clearRequests();
  return h;
}

describe('admission', () => {
  it('holds a request beyond the limit until the running one has answered, then serves it', async () => {
    const h = await oneAtATime(10);
    const vault = h.sim('vault-sandbox');
    const first = h.post(VAULT_LIST);
    await until(() => vault.apiRequests().length === 1, 'the first request upstream');
    const second = h.post(VAULT_LIST);
    // The first is held upstream for UPSTREAM_MS; the second has not reached the vendor meanwhile.
    await new Promise((r) => setTimeout(r, UPSTREAM_MS / 2));
    expect(vault.apiRequests()).toHaveLength(1);
    const answers = await Promise.all([first, second]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    for (const r of answers) expect(((await r.json()) as { data: { credentials: { totalCount: number } } }).data.credentials.totalCount).toBeGreaterThan(0);
    expect(vault.apiRequests()).toHaveLength(2);
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
});
