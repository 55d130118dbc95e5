import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox.js';
import type { SimulatorHandle } from '../../src/sim/server.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { newCredentialId, type Auth0Simulator, type SimKey } from '../../src/vendors/auth0/simulator.js';
import { vendorModules } from '../../src/vendors/registry.js';
import { ListCredentialsDocument, NodesDocument, RotateConnectionKeysDocument, UpdateCredentialDocument, type RotateConnectionKeysMutation } from '../gql/graphql.js';
import { until, vendorRead } from '../fixtures/faults.js';
import { auth0Credential } from '../fixtures/ids.js';
import { connectOutcome } from '../fixtures/net.js';
import { removeConfigs, spawnGateway, type GatewayProcess } from '../fixtures/process.js';
import { redisAvailable, startRedis, type RedisServer } from '../fixtures/redis.js';

/**
 * Several gateway replicas sharing one Redis, as separate OS processes: what one process did
 * (a rotation, a token fetch, a slot of the rate budget) the other sees.
 */

const PROD = 'auth0-prod';
/** The account that gets a client-side rate budget in the config (10/s, burst 1). */
const BUDGETED = 'auth0-staging';
const BUDGET = { perSecond: 10, burst: 1 };
/**
 * The simulator's own fixed-window limit for that account. One shared GCRA budget lets through at
 * most burst + perSecond (+1 at a window edge) = 12 calls in any wall-clock second: below 16, with
 * room for a few calls a stalled event loop sends late into the next second. Two separate budgets
 * send 20 a second for 3 s, over it in every full second.
 */
const SIM_LIMIT = 16;

let sandbox: Sandbox;
let redis: RedisServer;
let a: GatewayProcess;
let b: GatewayProcess;
const extra: GatewayProcess[] = [];

const sim = (name: string) => sandbox.simulators.get(name)!;
const prod = () => sim(PROD) as Auth0Simulator;
/** The vendor of an account config's `vendor` (its config name). */
const vendorOf = (configName: string) => vendorModules.find((m) => m.configName === configName)!.vendor;

function gatewayConfig(options: { redisUrl?: string } = {}) {
  return {
    auth: 'none',
    logLevel: 'info',
    ...(options.redisUrl ? { redis: { url: options.redisUrl } } : {}),
    // Fast retries; no client-side budget except on the account a test is about.
    http: { rateLimit: false, retry: { baseDelayMs: 5, maxDelayMs: 50 } },
    accounts: sandbox.accounts.map((acc) => (acc.name === BUDGETED ? { ...acc, http: { rateLimit: BUDGET } } : acc)),
  };
}

beforeAll(async () => {
  sandbox = await startSandbox();
  redis = await startRedis();
  [a, b] = await Promise.all([
    spawnGateway(gatewayConfig({ redisUrl: redis.url }), { name: 'A' }),
    spawnGateway(gatewayConfig({ redisUrl: redis.url }), { name: 'B' }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([a, b, ...extra].filter(Boolean).map((p) => p.stop()));
  await redis?.stop();
  await sandbox?.close();
  await removeConfigs();
}, 60_000);

beforeEach(() => {
  for (const s of sandbox.simulators.values()) {
    s.clearRequests();
    s.clearFaults();
    s.setLatency(0);
  }
});

/** Token requests a simulator received (its public routes); the vault has none (static token). */
const tokenCalls = (s: SimulatorHandle) => {
  const api = new Set(s.apiRequests());
  return s.requests.filter((r) => !api.has(r));
};
const rotatePosts = () => prod().apiRequests().filter((r) => r.method === 'POST');
const connection = (name: string) => {
  const c = prod().state.connections.find((x) => x.name === name)!;
  return { id: c.id, globalId: encodeGlobalId('Auth0Connection', JSON.stringify([PROD, c.id])) };
};
const kids = (keys: SimKey[] | undefined) => (keys ?? []).map((k) => k.kid);
let keyCounter = 0;
const newKey = (label: string) => `${label}-${process.pid}-${Date.now()}-${++keyCounter}`;

type RotateResult = RotateConnectionKeysMutation['rotateConnectionKeys'];
const rotate = async (p: GatewayProcess, input: { connectionId: string; idempotencyKey?: string; signingAlg?: 'RS256' | 'RS384' }): Promise<RotateResult> => {
  const res = await p.exec(RotateConnectionKeysDocument, { input });
  expect(res.status).toBe(200);
  expect(res.errors).toBeUndefined();
  return res.data!.rotateConnectionKeys;
};
const newKidOf = (r: RotateResult) => {
  if (r.__typename !== 'RotateConnectionKeysSuccess') throw new Error(`expected a rotation, got ${JSON.stringify(r)}`);
  return r.newKey.kid!;
};
/** The audit records a process logged for rotations, oldest first. */
const rotationAudits = (p: GatewayProcess) =>
  p
    .logs()
    .filter((l) => l.msg === 'audit')
    .map((l) => l.audit as { operation: string; outcome: string; replayed?: boolean; upstreamStatus: unknown })
    .filter((r) => r.operation === 'rotateConnectionKeys');
/** The process's rotation audits once at least `count` have come through its stdout pipe (a moment after the response). */
async function rotationAuditsOnce(p: GatewayProcess, count: number) {
  await until(() => rotationAudits(p).length >= count, `${count} rotation audits from ${p.name}`, 3_000);
  return rotationAudits(p);
}
/** Every upstream call a process logged with HTTP 429 from the simulator. */
const logged429 = (p: GatewayProcess, account: string) => p.logs().filter((l) => l.msg === 'upstream call' && l.account === account && l.status === 429);

describe.runIf(redisAvailable)('two gateway processes on one Redis', () => {
  // First in this file on purpose: both processes are cold (nothing has called a vendor yet).
  it('share one upstream token per account: after a cold start each token endpoint is called once for both', async () => {
    for (const p of [a, b]) expect(p.logs().filter((l) => l.msg === 'upstream call')).toEqual([]);
    // Slow vendors keep both processes' token fetches in flight at the same time.
    for (const s of sandbox.simulators.values()) s.setLatency(150);
    const [ra, rb] = await Promise.all([a.exec(ListCredentialsDocument, { first: 500 }), b.exec(ListCredentialsDocument, { first: 500 })]);
    for (const r of [ra, rb]) {
      expect(r.errors).toBeUndefined();
      expect(r.data!.credentials.totalCount).toBeGreaterThan(10);
    }
    expect(ra.data!.credentials.totalCount).toBe(rb.data!.credentials.totalCount);
    const perAccount = Object.fromEntries([...sandbox.simulators].map(([name, s]) => [name, tokenCalls(s).length]));
    // One token call per account whose vendor issues tokens; none for a static token (the vault's).
    const withTokens = sandbox.accounts.filter((a) => vendorRead(vendorOf(a.vendor)).tokenRoute !== null).map((a) => a.name);
    expect(withTokens.length).toBeGreaterThan(1);
    expect(perAccount).toEqual(Object.fromEntries(sandbox.accounts.map((a) => [a.name, withTokens.includes(a.name) ? 1 : 0])));
    // Both processes called each vendor with that one token.
    for (const name of withTokens) {
      const bearers = new Set(sim(name).apiRequests().map((r) => r.headers.authorization));
      expect(bearers.size, name).toBe(1);
    }
  });

  it('rotates exactly once when the same rotation with the same idempotency key reaches both processes at once', async () => {
    const { id, globalId } = connection('okta-workforce');
    const before = kids(prod().state.keys.get(id));
    // A slow vendor keeps the first rotation in flight while the duplicate arrives at the other process.
    prod().setLatency(300);
    const input = { connectionId: globalId, signingAlg: 'RS256' as const, idempotencyKey: newKey('concurrent') };
    const [auditsA, auditsB] = [rotationAudits(a).length, rotationAudits(b).length];
    const [ra, rb] = await Promise.all([rotate(a, input), rotate(b, input)]);

    expect(rotatePosts()).toHaveLength(1);
    expect(rotatePosts()[0]).toMatchObject({ path: `/api/v2/connections/${id}/keys/rotate` });
    const kid = newKidOf(ra);
    expect(newKidOf(rb)).toBe(kid);
    // One rotation: the old previous key retired, exactly one new key (the one both were told of).
    const after = kids(prod().state.keys.get(id));
    expect(after.filter((k) => !before.includes(k))).toEqual([kid]);
    expect(before.filter((k) => !after.includes(k))).toHaveLength(before.length === 3 ? 1 : 0);
    // One process sent it, the other replayed its outcome.
    const last = [(await rotationAuditsOnce(a, auditsA + 1)).at(-1)!, (await rotationAuditsOnce(b, auditsB + 1)).at(-1)!];
    expect(last.map((r) => r.outcome)).toEqual(['success', 'success']);
    expect(last.filter((r) => r.replayed === true)).toHaveLength(1);
  });

  it('rotates once when the same rotation goes to one process and then to the other; the second replays', async () => {
    const { id, globalId } = connection('partner-oidc');
    const before = kids(prod().state.keys.get(id));
    const input = { connectionId: globalId, idempotencyKey: newKey('sequential') };
    const [auditsA, auditsB] = [rotationAudits(a).length, rotationAudits(b).length];
    const first = await rotate(a, input);
    const second = await rotate(b, input);

    expect(rotatePosts()).toHaveLength(1);
    expect(newKidOf(second)).toBe(newKidOf(first));
    expect(kids(prod().state.keys.get(id)).filter((k) => !before.includes(k))).toEqual([newKidOf(first)]);
    const [lastA, lastB] = [(await rotationAuditsOnce(a, auditsA + 1)).at(-1)!, (await rotationAuditsOnce(b, auditsB + 1)).at(-1)!];
    expect(lastA).toMatchObject({ outcome: 'success' });
    expect(lastA.replayed).toBeUndefined();
    expect(lastB).toMatchObject({ outcome: 'success', replayed: true });
  });

  it('refuses the same key with a different input on the other process with INPUT_MISMATCH, sending nothing', async () => {
    const { globalId } = connection('okta-workforce');
    const key = newKey('mismatch');
    expect((await rotate(a, { connectionId: globalId, signingAlg: 'RS256', idempotencyKey: key })).__typename).toBe('RotateConnectionKeysSuccess');
    prod().clearRequests();
    const conflict = await rotate(b, { connectionId: globalId, signingAlg: 'RS384', idempotencyKey: key });
    expect(conflict).toMatchObject({ __typename: 'IdempotencyConflictError', reason: 'INPUT_MISMATCH' });
    expect(prod().requests).toEqual([]);
  });

  it('reports a rotation that failed after the vendor applied it as outcome unknown, and replays that on both processes without sending again', async () => {
    const { id, globalId } = connection('okta-workforce');
    const before = kids(prod().state.keys.get(id));
    prod().inject({ method: 'POST', route: '/api/v2/connections/:id/keys/rotate', status: 500, afterApply: true });
    const input = { connectionId: globalId, idempotencyKey: newKey('unknown') };
    const [auditsA, auditsB] = [rotationAudits(a).length, rotationAudits(b).length];
    const first = await rotate(a, input);
    expect(first).toMatchObject({ __typename: 'UpstreamError', vendor: 'AUTH0', account: PROD, status: 500, outcomeUnknown: true, replayed: false });
    expect(rotatePosts()).toHaveLength(1);
    // The simulator did rotate: the outcome really is unknown to the gateway, not a failure.
    const after = kids(prod().state.keys.get(id));
    expect(after.filter((k) => !before.includes(k))).toHaveLength(1);

    prod().clearRequests();
    for (const p of [a, b, a]) {
      // Were it sent again it would succeed (the fault was used up) and rotate a second time.
      expect(await rotate(p, input)).toEqual({ ...first, replayed: true });
    }
    expect(prod().requests).toEqual([]);
    expect(kids(prod().state.keys.get(id))).toEqual(after);
    // The audit tells the one attempt that reached the vendor from the replays that sent nothing.
    const [sent, ...replays] = [...(await rotationAuditsOnce(a, auditsA + 3)).slice(-3), ...(await rotationAuditsOnce(b, auditsB + 1)).slice(-1)];
    expect(sent).toMatchObject({ outcome: 'UpstreamError', upstreamStatus: 500 });
    expect(sent!.replayed).toBeUndefined();
    for (const r of replays) expect(r).toMatchObject({ outcome: 'UpstreamError', upstreamStatus: null, replayed: true });
  });

  it('draws from one rate budget: a fan-out split across both processes stays within the vendor limit', async () => {
    const budgeted = sim(BUDGETED) as Auth0Simulator;
    const ids = withLoadCredentials(budgeted, 60);
    budgeted.state.rateLimit = { perSecond: SIM_LIMIT };
    try {
      const [ra, rb] = await Promise.all([
        a.exec(NodesDocument, { ids: ids.slice(0, 30) }),
        b.exec(NodesDocument, { ids: ids.slice(30) }),
      ]);
      for (const r of [ra, rb]) {
        expect(r.errors).toBeUndefined();
        expect(r.data!.nodes.every((n) => n?.__typename === 'Auth0ClientCredential')).toBe(true);
      }
      // No 429: every credential was requested exactly once, nothing was repeated.
      const paths = budgeted.apiRequests().map((r) => r.path);
      expect(paths).toHaveLength(60);
      expect(new Set(paths).size).toBe(60);
      expect([...logged429(a, BUDGETED), ...logged429(b, BUDGETED)]).toEqual([]);
    } finally {
      budgeted.state.rateLimit = null;
      dropLoadCredentials(budgeted);
    }
  }, 40_000);

  it('(contrast) without Redis each process spends its own budget, and the same fan-out draws 429s', async () => {
    const [c, d] = await Promise.all([spawnGateway(gatewayConfig(), { name: 'C' }), spawnGateway(gatewayConfig(), { name: 'D' })]);
    extra.push(c, d);
    const budgeted = sim(BUDGETED) as Auth0Simulator;
    const ids = withLoadCredentials(budgeted, 60);
    budgeted.clearRequests();
    budgeted.state.rateLimit = { perSecond: SIM_LIMIT };
    try {
      await Promise.all([c.exec(NodesDocument, { ids: ids.slice(0, 30) }), d.exec(NodesDocument, { ids: ids.slice(30) })]);
      const paths = budgeted.apiRequests().map((r) => r.path);
      expect(new Set(paths).size).toBeLessThan(paths.length);
      expect(logged429(c, BUDGETED).length + logged429(d, BUDGETED).length).toBeGreaterThan(0);
    } finally {
      budgeted.state.rateLimit = null;
      dropLoadCredentials(budgeted);
      await Promise.all([c.stop(), d.stop()]);
    }
  }, 60_000);
});

describe.runIf(redisAvailable)('when Redis goes away', () => {
  it('keeps serving reads and unkeyed updates, says it is degraded, and refuses what needs Redis (a keyed change, a rotation) unsent', async () => {
    const own = await startRedis();
    let stopped = false;
    // The budgeted account too: its call budget must fall back to this replica's own.
    const p = await spawnGateway(gatewayConfig({ redisUrl: own.url }), { name: 'R' });
    extra.push(p);
    try {
      const ready = await p.get('/readyz');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', store: 'redis' });

      await own.stop();
      stopped = true;
      let body: unknown;
      for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
        const res = await p.get('/readyz');
        expect(res.status).toBe(200);
        body = await res.json();
        if ((body as { status: string }).status !== 'ready') break;
      }
      expect(body).toEqual({ status: 'degraded: shared store unreachable', store: 'redis' });

      const list = await p.exec(ListCredentialsDocument, { first: 500, filter: { accounts: [PROD, BUDGETED] } });
      expect(list.errors).toBeUndefined();
      expect(new Set(list.data!.credentials.edges.map((e) => e.node.account))).toEqual(new Set([PROD, BUDGETED]));
      expect(p.logs().some((l) => l.msg === 'shared store unreachable; this replica keeps the rate budget on its own')).toBe(true);

      const { globalId } = connection('okta-workforce');
      const posts = rotatePosts().length;
      const keyed = await p.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, idempotencyKey: newKey('no-redis') } });
      expect(keyed.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
      expect(keyed.errors?.[0]?.message).toBe("the gateway's shared store is unreachable; try again shortly");
      // A rotation without a key too: one at a time of a connection needs Redis's lock.
      const unkeyed = await p.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId } });
      expect(unkeyed.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
      expect(rotatePosts()).toHaveLength(posts);
      // An update without a key sets absolute values: it needs no lock, and is made.
      const { globalId: credential } = auth0Credential(prod(), PROD, 'billing-next');
      const update = await p.exec(UpdateCredentialDocument, { input: { id: credential, expiresAt: '2031-01-01T00:00:00.000Z' } });
      expect(update.data?.updateCredential).toMatchObject({ __typename: 'UpdateCredentialSuccess' });
      expect((await p.get('/healthz')).status).toBe(200);
      expect(p.exitCode()).toBeUndefined();
    } finally {
      await p.stop();
      if (!stopped) await own.stop();
    }
  }, 60_000);
});

describe.runIf(redisAvailable)('graceful shutdown', () => {
  it('on SIGTERM finishes the query in flight, refuses new connections, and exits 0', async () => {
    const p = await spawnGateway(gatewayConfig({ redisUrl: redis.url }), { name: 'S' });
    extra.push(p);
    // Each of the list's rounds (clients and connections, then their credentials and keys) takes a second.
    prod().setLatency(1_000);
    let settled = false;
    const query = p.exec(ListCredentialsDocument, { first: 500, filter: { accounts: [PROD] } }).finally(() => (settled = true));
    query.catch(() => undefined); // awaited below; a failure must fail the test, not go unhandled first
    // Wait until the query is being served: the simulator saw its first call.
    for (const until = Date.now() + 10_000; prod().requests.length === 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    expect(prod().requests.length).toBeGreaterThan(0);

    const exit = p.stop('SIGTERM', 20_000);
    let refusedWhileInFlight = false;
    for (const until = Date.now() + 5_000; Date.now() < until && !settled; ) {
      if ((await connectOutcome(p.port)) === 'ECONNREFUSED') {
        refusedWhileInFlight = !settled;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(refusedWhileInFlight).toBe(true);

    const res = await query;
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const expected = [...prod().state.credentials.values()].flat().length + [...prod().state.keys.values()].flat().length;
    expect(res.data!.credentials.totalCount).toBe(expected);
    expect(await exit).toBe(0);
    expect(await connectOutcome(p.port)).toBe('ECONNREFUSED');
    expect(p.logs().map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    expect(p.stdout()).not.toContain('shutdown deadline passed');
  }, 60_000);
});

const LOAD_PREFIX = 'load-';

/** Adds `n` client credentials to the tenant's first client; answers their global ids. */
function withLoadCredentials(s: Auth0Simulator, n: number): string[] {
  const [clientId, creds] = [...s.state.credentials].find(([, list]) => list.length > 0)!;
  const template = creds[0]!;
  const account = [...sandbox.simulators].find(([, x]) => x === s)![0];
  const added = Array.from({ length: n }, (_, i) => ({ ...template, id: newCredentialId(), name: `${LOAD_PREFIX}${i}` }));
  creds.push(...added);
  return added.map((c) => encodeGlobalId('Auth0ClientCredential', JSON.stringify([account, clientId, c.id])));
}

function dropLoadCredentials(s: Auth0Simulator) {
  for (const [clientId, list] of s.state.credentials) s.state.credentials.set(clientId, list.filter((c) => !c.name.startsWith(LOAD_PREFIX)));
}
