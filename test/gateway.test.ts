import { request } from 'node:http';
import { RequestCache } from '@pothos/plugin-scope-auth';
import { Redis } from 'ioredis';
import { print } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../src/config.js';
import { createGateway } from '../src/gateway.js';
import { silentLogger } from '../src/logger.js';
import { encodeGlobalId } from '../src/schema/global-id.js';
import { seedUuid } from '../src/vendors/vault/seed.js';
import type { Auth0Simulator } from '../src/vendors/auth0/simulator.js';
import { Sessions } from '../src/vendors/sessions.js';
import { ListCredentialsDocument, RotateConnectionKeysDocument, VaultUpdateCredentialDocument } from './gql/graphql.js';
import { hangUpOnceSent, startHarness, type Harness } from './fixtures/harness.js';
import { gid } from './fixtures/ids.js';
import { connectOutcome, postSlowly } from './fixtures/net.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => vi.restoreAllMocks());

describe('the request lifecycle', () => {
  it("drops an operation's scope-auth cache once it has executed, for the context it was built for", async () => {
    const built = vi.spyOn(RequestCache, 'fromContext');
    const cleared = vi.spyOn(RequestCache, 'clearForContext');
    const res = await h.exec(ListCredentialsDocument, { first: 5 });
    expect(res.errors).toBeUndefined();
    const contexts = new Set(built.mock.calls.map(([context]) => context));
    expect(contexts.size).toBe(1);
    expect(cleared.mock.calls.map(([context]) => context)).toEqual([...contexts]);
  });

  it('cancels its upstream calls when the client goes away, long before the vendor would answer', async () => {
    h.reset();
    h.sim('auth0-prod').inject({ method: 'GET', route: '/api/v2/clients', delayMs: 5_000, times: 5 });
    const client = new AbortController();
    const started = Date.now();
    const pending = fetch(h.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ credentials(first: 5) { edges { node { id } } } }' }),
      signal: client.signal,
    }).catch((err: unknown) => err);
    await vi.waitFor(() => expect(h.sim('auth0-prod').apiRequests().some((r) => r.path.startsWith('/api/v2/clients'))).toBe(true));
    client.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    const cancelled = () => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'upstream call' && l.status === 'cancelled');
    await vi.waitFor(() => expect(cancelled()).toContainEqual(expect.objectContaining({ account: 'auth0-prod', route: '/api/v2/clients' })), { timeout: 2_000 });
    expect(Date.now() - started).toBeLessThan(3_000);
    h.reset();
  });

  it('counts the time its body took to arrive in its deadline: it answers within requestTimeoutMs of arriving', async () => {
    const TIMEOUT_MS = 2_000;
    /** How long the body takes to arrive: most of the deadline. */
    const BODY_MS = 1_500;
    const slow = await startHarness({ config: { requestTimeoutMs: TIMEOUT_MS } });
    try {
      const vault = slow.sim('vault-sandbox');
      // The vault would not answer before any deadline.
      vault.setLatency(5_000);
      const answer = await postSlowly(slow.gateway.url, JSON.stringify({ query: '{ credentials(filter: { vendors: [VAULT] }) { totalCount } }' }), BODY_MS);
      expect(JSON.parse(answer.text)).toMatchObject({ errors: [{ message: 'VAULT account "vault-sandbox" did not answer within the request deadline', extensions: { code: 'UPSTREAM_ERROR' } }] });
      // It made its call, cut short by the deadline.
      expect(vault.apiRequests()).toHaveLength(1);
      // Counted from arrival: ~TIMEOUT_MS. Counted from when the body was in it would be ~BODY_MS
      // later; halfway between leaves a loaded machine BODY_MS / 2 either way.
      expect(answer.elapsedMs).toBeLessThan(TIMEOUT_MS + BODY_MS / 2);
    } finally {
      await slow.close();
    }
  });

  it('sends nothing upstream for a request whose body took its whole deadline: a rotation is refused unsent, not left unknown', async () => {
    const TIMEOUT_MS = 1_000;
    const slow = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { requestTimeoutMs: TIMEOUT_MS } });
    try {
      const sim = slow.sim('auth0-prod') as Auth0Simulator;
      const connection = sim.state.connections.find((c) => c.name === 'okta-workforce')!;
      const before = sim.state.keys.get(connection.id)!.map((k) => k.kid);
      await slow.exec(ListCredentialsDocument, { first: 1 }); // the token fetched: the rotation would be the only call
      const calls = sim.requests.length;
      const connectionId = encodeGlobalId('Auth0Connection', JSON.stringify(['auth0-prod', connection.id]));
      const rotate = JSON.stringify({ query: print(RotateConnectionKeysDocument), variables: { input: { connectionId, idempotencyKey: 'late-body-1' } } });
      const answer = await postSlowly(slow.gateway.url, rotate, TIMEOUT_MS + 300);
      const result = (JSON.parse(answer.text) as { data: { rotateConnectionKeys: { __typename: string; message: string } } }).data.rotateConnectionKeys;
      expect(result).toMatchObject({ __typename: 'UpstreamError', outcomeUnknown: false, retryable: true });
      expect(result.message).toContain('did not answer within the request deadline');
      expect(sim.requests.slice(calls)).toEqual([]);
      expect(sim.state.keys.get(connection.id)!.map((k) => k.kid)).toEqual(before);
    } finally {
      await slow.close();
    }
  });
});

describe('creating a gateway', () => {
  it('refuses an audit file it cannot write before it opens anything: no Redis connection is left behind for an embedding program that cannot close it', () => {
    const connecting = vi.spyOn(Redis.prototype, 'connect').mockResolvedValue(undefined); // nothing left open should this fail
    const config = parseConfig({
      auth: 'none',
      accounts: h.accounts,
      redis: { url: 'redis://127.0.0.1:1' },
      audit: { file: '/nonexistent-dir/audit.jsonl' },
    });
    expect(() => createGateway(config, { logger: silentLogger })).toThrow('audit.file /nonexistent-dir/audit.jsonl cannot be written (ENOENT)');
    expect(connecting).not.toHaveBeenCalled();
  });
});

describe('unexpected errors', () => {
  it('are masked to a generic INTERNAL_SERVER_ERROR with the request id, and logged for the operator', async () => {
    const detail = 'internal-detail-9f8e7d6c-never-shown';
    vi.spyOn(Sessions.prototype, 'readable').mockImplementation(() => {
      throw new Error(detail);
    });
    const res = await h.post(JSON.stringify({ query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: encodeGlobalId('VaultCredential', '["vault-sandbox","x"]') } }));
    const text = await res.text();
    expect(text).not.toContain(detail);
    const body = JSON.parse(text) as { data: { node: null }; errors: { message: string; path: string[]; extensions: Record<string, unknown> }[] };
    expect(body.data.node).toBeNull();
    expect(body.errors).toEqual([
      { message: 'Unexpected error.', path: ['node'], locations: expect.any(Array), extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: res.headers.get('x-request-id') } },
    ]);
    const logged = h.logs.map((l) => JSON.parse(l) as { msg: string; err?: { message: string } }).find((l) => l.msg === 'unexpected resolver error');
    expect(logged?.err?.message).toBe(detail);
  });

  it('are logged under the request id the caller was given, so the error a client reports leads to its cause', async () => {
    const detail = `internal-detail-${Date.now()}`;
    vi.spyOn(Sessions.prototype, 'readable').mockImplementation(() => {
      throw new Error(detail);
    });
    const res = await h.post(JSON.stringify({ query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: encodeGlobalId('VaultCredential', '["vault-sandbox","x"]') } }), {
      'x-request-id': 'masked-error-1',
    });
    const body = (await res.json()) as { errors: { extensions: { requestId: string } }[] };
    expect(body.errors[0]!.extensions.requestId).toBe('masked-error-1');
    const logged = h.logs.map((l) => JSON.parse(l) as { msg: string; requestId?: string; err?: { message: string } }).filter((l) => l.err?.message === detail);
    expect(logged).toEqual([expect.objectContaining({ msg: 'unexpected resolver error', requestId: 'masked-error-1', path: ['node'] })]);
  });
});

/** One request on a connection of its own (no keep-alive pool): what a newly routed client sends. */
function freshRequest(url: string, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', agent: false, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += String(chunk)));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const query = (account: string) => JSON.stringify({ query: `{ credentials(first: 5, filter: { accounts: ["${account}"] }) { totalCount } }` });
const lines = (h: Harness) => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('shutting down', () => {
  it('with a delay, answers /readyz 503 while still accepting and serving, then refuses connections and lets the request in flight finish', async () => {
    const g = await startHarness();
    try {
      const { origin, port } = new URL(g.gateway.url);
      const closing = g.gateway.close(20_000, 1_500);
      let closed = false;
      void closing.then(() => (closed = true));

      // The delay: unready, but a new connection is accepted and its request served.
      const ready = await freshRequest(`${origin}/readyz`);
      expect({ status: ready.status, body: JSON.parse(ready.body) as unknown }).toEqual({ status: 503, body: { status: 'shutting down' } });
      expect((await freshRequest(`${origin}/healthz`)).status).toBe(200);
      const served = await freshRequest(g.gateway.url, query('auth0-staging'));
      expect(served.status).toBe(200);
      expect(JSON.parse(served.body)).toMatchObject({ data: { credentials: { totalCount: expect.any(Number) } } });
      expect(served.headers.connection).toBe('close'); // keep-alive clients go elsewhere

      // A request that arrives in the delay and outlasts it.
      g.sim('vault-sandbox').setLatency(3_000);
      let slowSettled = false;
      const slow = freshRequest(g.gateway.url, query('vault-sandbox')).finally(() => (slowSettled = true));
      slow.catch(() => undefined); // awaited below
      await vi.waitFor(() => expect(g.sim('vault-sandbox').requests.length).toBeGreaterThan(0), { timeout: 2_000 });

      // Then the listener closes while it is still running…
      let refusedWhileInFlight = false;
      for (const until = Date.now() + 5_000; Date.now() < until && !slowSettled; await new Promise((r) => setTimeout(r, 25))) {
        if ((await connectOutcome(Number(port))) === 'ECONNREFUSED') {
          refusedWhileInFlight = !slowSettled;
          break;
        }
      }
      expect(refusedWhileInFlight).toBe(true);
      expect(closed).toBe(false);

      // …and it finishes, served in full, before the gateway is closed.
      const res = await slow;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ data: { credentials: { totalCount: expect.any(Number) } } });
      await closing;
      expect(lines(g).some((l) => l.msg === 'shutdown deadline passed with requests in flight')).toBe(false);
    } finally {
      await g.close();
    }
  }, 30_000);

  it('without a delay, refuses new connections at once', async () => {
    const g = await startHarness();
    try {
      const { origin, port } = new URL(g.gateway.url);
      expect((await freshRequest(`${origin}/readyz`)).status).toBe(200);
      const closing = g.gateway.close(5_000);
      expect(await connectOutcome(Number(port))).toBe('ECONNREFUSED');
      await closing;
    } finally {
      await g.close();
    }
  });

  it('cuts a running delay short when closed again without one (SIGINT after SIGTERM)', async () => {
    const g = await startHarness();
    try {
      const { port } = new URL(g.gateway.url);
      const first = g.gateway.close(5_000, 60_000);
      expect(await connectOutcome(Number(port))).toBe('connected'); // in the delay
      const second = g.gateway.close(5_000);
      expect(second).toBe(first);
      await second; // well before the minute, or the test times out
      expect(await connectOutcome(Number(port))).toBe('ECONNREFUSED');
    } finally {
      await g.close();
    }
  });

  it('says how many requests it cut off when the deadline passes with them in flight', async () => {
    const g = await startHarness();
    try {
      // Two requests held by their vendors far past the deadline, each seen arriving upstream.
      const held: Promise<unknown>[] = [];
      for (const account of ['auth0-prod', 'vault-sandbox']) {
        g.sim(account).setLatency(10_000);
        held.push(freshRequest(g.gateway.url, query(account)).catch((err: unknown) => err));
        await vi.waitFor(() => expect(g.sim(account).requests.length).toBeGreaterThan(0), { timeout: 5_000 });
      }
      const started = Date.now();
      await g.gateway.close(300);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(lines(g).filter((l) => l.msg === 'shutdown deadline passed with requests in flight')).toEqual([
        expect.objectContaining({ level: 40, graceMs: 300, requestsCutOff: 2 }),
      ]);
      for (const outcome of await Promise.all(held)) expect(outcome).toBeInstanceOf(Error); // cut off, not answered
    } finally {
      await g.close();
    }
  }, 30_000);
});

describe('shutting down with requests still running at the deadline', () => {
  /** A gateway whose vault answers nothing for 10 s, with retries on as in production: a call failing on a closed pool would be repeated. */
  async function stalledVault() {
    const g = await startHarness({ accounts: { vault: ['vault-prod'] }, config: { http: { rateLimit: false, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 } } } });
    const vault = g.sim('vault-prod');
    vault.setLatency(10_000);
    return { g, vault };
  }
  const vaultCalls = (g: Harness) => lines(g).filter((l) => l.msg === 'upstream call' && l.account === 'vault-prod' && l.requestId !== undefined);

  it('cancels them before it closes the vendor connections: their calls end as cancelled, none is retried against a closed pool, and each has ended when close() resolves', async () => {
    const { g, vault } = await stalledVault();
    try {
      // A query's read, and a mutation's read-before-write (a mutation outlives its client).
      const id = gid('VaultCredential', 'vault-prod', seedUuid('deploy-bot SSH key'));
      const update = JSON.stringify({ query: print(VaultUpdateCredentialDocument), variables: { input: { id, name: 'deploy-bot-ed25519', idempotencyKey: 'cut-off-at-shutdown' } } });
      const held = [freshRequest(g.gateway.url, query('vault-prod')), freshRequest(g.gateway.url, update)].map((p) => p.catch((err: unknown) => err));
      await vi.waitFor(() => expect(vault.apiRequests()).toHaveLength(2), { timeout: 5_000 });

      await g.gateway.close(300);

      expect(vaultCalls(g).map((l) => ({ method: l.method, status: l.status, retries: l.retries }))).toEqual([
        { method: 'GET', status: 'cancelled', retries: 0 },
        { method: 'GET', status: 'cancelled', retries: 0 },
      ]);
      // Both ended, and were logged, before close() resolved: the mutation did not run on past it.
      const ended = lines(g).filter((l) => l.msg === 'request');
      expect(ended.map((l) => l.operationType).sort()).toEqual(['mutation', 'query']);
      expect(lines(g).find((l) => l.msg === 'audit')).toMatchObject({ audit: { operation: 'updateCredential' } });
      expect(vault.apiRequests().filter((r) => r.method === 'PUT')).toEqual([]);
      for (const outcome of await Promise.all(held)) expect(outcome).toBeInstanceOf(Error); // cut off, not answered
    } finally {
      await g.close();
    }
  }, 30_000);

  it('cuts off a query alone (nothing to wait for after it): its call ends as cancelled, not retried against a closed pool', async () => {
    const { g, vault } = await stalledVault();
    try {
      const held = freshRequest(g.gateway.url, query('vault-prod')).catch((err: unknown) => err);
      await vi.waitFor(() => expect(vault.apiRequests()).toHaveLength(1), { timeout: 5_000 });

      await g.gateway.close(300);

      expect(vaultCalls(g).map((l) => ({ status: l.status, retries: l.retries }))).toEqual([{ status: 'cancelled', retries: 0 }]);
      expect(await held).toBeInstanceOf(Error);
    } finally {
      await g.close();
    }
  }, 30_000);
});

describe('a mutation whose client hangs up', () => {
  it('is waited for by shutdown and logged once it has finished: the rotation completes, is audited, and its request line says how it ended', async () => {
    const own = await startHarness({ accounts: { auth0: ['auth0-prod'] } });
    const sim = own.sim('auth0-prod') as Auth0Simulator;
    const connection = sim.state.connections.find((c) => c.name === 'okta-workforce')!;
    const before = sim.state.keys.get(connection.id)!.map((k) => k.kid);
    const input = { connectionId: encodeGlobalId('Auth0Connection', JSON.stringify(['auth0-prod', connection.id])), idempotencyKey: 'hang-up-then-stop' };
    await own.exec(ListCredentialsDocument, { first: 1 }); // the token fetched: the rotation is the only call left
    sim.setLatency(500);
    await hangUpOnceSent(own, RotateConnectionKeysDocument, { input }, () => sim.apiRequests().some((r) => r.route === '/api/v2/connections/:id/keys/rotate'));
    await own.gateway.close(10_000);

    const lines = own.logs.map((l) => JSON.parse(l) as { msg: string; status?: unknown; outcome?: string; operationType?: string; audit?: { outcome: string } });
    expect(lines.filter((l) => l.msg === 'upstream call' && typeof l.status === 'string')).toEqual([]); // nothing cut off
    const audit = lines.findIndex((l) => l.msg === 'audit');
    expect(lines[audit]!.audit!.outcome).toBe('success');
    const logged = lines.findIndex((l) => l.msg === 'request' && l.operationType === 'mutation');
    expect(lines[logged]).toMatchObject({ outcome: 'ok' });
    expect(logged).toBeGreaterThan(audit);
    expect(sim.state.keys.get(connection.id)!.map((k) => k.kid)).not.toEqual(before);
    await own.close();
  });
});
