import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfig, jwtFixture, KEYS } from './fixtures/callers.js';
import { startHarness, type Harness } from './fixtures/harness.js';
import { REFUSED_PORT } from './fixtures/redis.js';
import { ListCredentialsDocument } from './gql/graphql.js';

/** Health, readiness, metrics, logs and traces: what operators see. */
let h: Harness;
let origin: string;
const admin = { 'x-api-key': KEYS.admin };

beforeAll(async () => {
  h = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { auth: authConfig(await jwtFixture()) } });
  origin = new URL(h.gateway.url).origin;
});
afterAll(() => h.close());

describe('health and readiness', () => {
  it('answers /healthz without credentials', async () => {
    const res = await fetch(`${origin}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers /readyz with the shared store it checked', async () => {
    const res = await fetch(`${origin}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', store: 'memory' });
  });

  it('answers a HEAD probe of /healthz, /health and /readyz with their status and no body', async () => {
    for (const path of ['/healthz', '/health', '/readyz']) {
      const res = await fetch(`${origin}${path}`, { method: 'HEAD' });
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe('');
    }
  });

  it('serves GraphQL at /graphql/ too, as Yoga did', async () => {
    const res = await fetch(`${origin}/graphql/`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin }, body: '{"query":"{ __typename }"}' });
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers any path but GraphQL’s with 404, credentials or not', async () => {
    for (const headers of [{}, admin]) {
      const res = await fetch(`${origin}/nope`, { headers });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'not found; GraphQL is served at /graphql' });
    }
  });

  it('still refuses GraphQL without credentials', async () => {
    const res = await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(res.status).toBe(401);
  });
});

describe('readiness while the shared store is unreachable', () => {
  it('answers every probe ready but degraded, and logs the outage once without the password', async () => {
    // Nothing listens on the port: every ping fails, and ioredis's reconnections back off.
    const down = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { redis: { url: `redis://:hunter2-password@127.0.0.1:${REFUSED_PORT}` } } });
    try {
      const readyz = `${new URL(down.gateway.url).origin}/readyz`;
      let probes = 0;
      // A few seconds of probes: long enough for the reconnection back-off to pass a second.
      for (const until = Date.now() + 5_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
        const res = await fetch(readyz);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: 'degraded: shared store unreachable', store: 'redis' });
        probes++;
      }
      expect(probes).toBeGreaterThan(5);

      const warnings = down.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => typeof l.msg === 'string' && l.msg.startsWith('shared store (Redis)'));
      expect(warnings).toEqual([expect.objectContaining({ level: 40, code: 'ECONNREFUSED', msg: 'shared store (Redis) unreachable; retrying' })]);
      expect(down.logs.join('\n')).not.toContain('hunter2-password');
    } finally {
      await down.close();
    }
  }, 20_000);

  it('answers probes well inside a 1 s probe timeout when the store never answers its ping', async () => {
    // A "Redis" that accepts connections and never says a word: each ping waits out ioredis's
    // command timeout (1 s) unless /readyz gives up on it first.
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hung = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { redis: { url: `redis://127.0.0.1:${(silent.address() as AddressInfo).port}` } } });
    try {
      const readyz = `${new URL(hung.gateway.url).origin}/readyz`;
      const PROBES = 6;
      const took: number[] = [];
      for (let i = 0; i < PROBES; i++) {
        const started = Date.now();
        const res = await fetch(readyz, { signal: AbortSignal.timeout(5_000) });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: 'degraded: shared store unreachable', store: 'redis' });
        took.push(Date.now() - started);
      }
      // Waiting for the ping would take PROBES × 1 s at least; half that in all leaves room for a
      // loaded machine stalling a probe or two, and still tells the two apart.
      const total = took.reduce((a, b) => a + b, 0);
      expect(total, took.join(', ')).toBeLessThan((PROBES * 1_000) / 2);
    } finally {
      await hung.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 20_000);
});

describe('metrics', () => {
  let text: string;
  beforeAll(async () => {
    await h.exec(ListCredentialsDocument, { first: 500 }, admin);
    await h.post(JSON.stringify({ query: '{ nope }' }), admin);
    const res = await fetch(`${origin}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    text = await res.text();
  });

  it('times GraphQL requests by operation type and outcome', () => {
    expect(text).toMatch(/graphql_request_duration_seconds_count\{operation_type="query",outcome="ok"\} [1-9]/);
    // `{ nope }`, which fails validation: refused, the client's doing, not an error.
    expect(text).toMatch(/graphql_request_duration_seconds_count\{operation_type="unknown",outcome="refused"\} [1-9]/);
    expect(text).not.toMatch(/graphql_request_duration_seconds_count\{operation_type="unknown",outcome="error"\}/);
  });

  it('times upstream calls by vendor, account, route template and outcome', () => {
    expect(text).toMatch(/upstream_request_duration_seconds_count\{vendor="AUTH0",account="auth0-prod",method="GET",route="\/api\/v2\/clients",outcome="2xx"\} 1/);
    expect(text).toMatch(/upstream_request_duration_seconds_count\{vendor="VAULT",account="vault-sandbox",method="GET",route="\/api\/v1\/credentials",outcome="2xx"\} [1-9]/);
    expect(text).not.toMatch(/route="[^"]*\/(cred_|con_)/); // templates, never raw ids
  });

  it('shows every account’s circuit breaker, closed', () => {
    for (const a of h.accounts) expect(text).toContain(`circuit_breaker_state{vendor="${a.vendor.toUpperCase()}",account="${a.name}"} 0`);
  });

  it('includes process metrics and no secret', () => {
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    for (const s of [...h.secrets, ...Object.values(KEYS)]) expect(text.includes(s)).toBe(false);
  });
});

describe('logs', () => {
  it('writes one line per upstream call with the request id, the route template and the retry count', async () => {
    const requestId = `ops-test-${Date.now()}`;
    h.reset();
    await h.exec(ListCredentialsDocument, { first: 500, filter: { vendors: ['VAULT'] } }, { ...admin, 'x-request-id': requestId });
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'upstream call' && l.requestId === requestId);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines).toHaveLength(h.sim('vault-sandbox').requests.length);
    for (const l of lines) {
      expect(l).toMatchObject({ vendor: 'VAULT', account: 'vault-sandbox', method: 'GET', route: '/api/v1/credentials', status: 200, retries: 0 });
      expect(typeof l.durationMs).toBe('number');
    }
  });
});

describe('metrics switched off', () => {
  it('serves no /metrics when the config says so', async () => {
    const off = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { metrics: { enabled: false } } });
    try {
      const res = await fetch(`${new URL(off.gateway.url).origin}/metrics`);
      expect(res.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('traces', () => {
  let collector: Server;
  const received: unknown[] = [];
  beforeAll(async () => {
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += String(c)));
      req.on('end', () => {
        if (req.url === '/v1/traces') received.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => collector.close(() => r())));

  it('shuts down promptly, without failing, when the collector is unreachable', async () => {
    const dead = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { tracing: { otlpEndpoint: 'http://127.0.0.1:9' } } });
    await dead.exec(ListCredentialsDocument, { first: 5, filter: { vendors: ['VAULT'] } });
    const started = Date.now();
    await expect(dead.close()).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('exports a client span per upstream call over OTLP/HTTP when an endpoint is configured', async () => {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const traced = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { tracing: { otlpEndpoint: endpoint } } });
    let requestId: string | null = null;
    try {
      requestId = (await traced.exec(ListCredentialsDocument, { first: 500, filter: { vendors: ['VAULT'] } })).headers.get('x-request-id');
    } finally {
      await traced.close(); // flushes the batch
    }
    type Attr = { key: string; value: { stringValue?: string; intValue?: string | number } };
    type Span = { name: string; kind: number; attributes: Attr[]; traceId: string; spanId: string; parentSpanId?: string };
    const spans = (received as { resourceSpans: { resource: { attributes: Attr[] }; scopeSpans: { spans: Span[] }[] }[] }[]).flatMap((r) =>
      r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, resource: rs.resource })))),
    );
    const vault = spans.filter(({ span }) => span.name === 'GET /api/v1/credentials');
    expect(vault.length).toBeGreaterThan(0);
    const attrs = Object.fromEntries(vault[0]!.span.attributes.map((a) => [a.key, a.value.stringValue ?? Number(a.value.intValue)]));
    expect(attrs).toMatchObject({
      'http.request.method': 'GET',
      'url.template': '/api/v1/credentials',
      'credential_gateway.vendor': 'VAULT',
      'credential_gateway.account': 'vault-sandbox',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(traced.sim('vault-sandbox').url).port),
      'credential_gateway.request_id': expect.any(String),
    });
    expect(vault[0]!.span.kind).toBe(3); // CLIENT
    expect(vault[0]!.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'credential-gateway' } });

    // One operation span per request, the parent of its upstream calls: one trace per request.
    const operation = spans.find(({ span }) => span.name === 'query ListCredentials')!.span;
    expect(operation.kind).toBe(2); // SERVER
    expect(Object.fromEntries(operation.attributes.map((a) => [a.key, a.value.stringValue]))).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'ListCredentials',
      'credential_gateway.request_id': requestId,
    });
    for (const { span } of vault) expect({ traceId: span.traceId, parentSpanId: span.parentSpanId }).toEqual({ traceId: operation.traceId, parentSpanId: operation.spanId });
  });

  it('marks an upstream call the vendor refused (4xx) as failed, as a 5xx: a trace shows which call of a fan-out failed', async () => {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const traced = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { tracing: { otlpEndpoint: endpoint } } });
    let requestId: string | null = null;
    try {
      traced.sim('vault-sandbox').inject({ method: 'GET', route: '/api/v1/credentials', status: 403, times: 1 });
      requestId = (await traced.exec(ListCredentialsDocument, { first: 5, filter: { vendors: ['VAULT'] } })).headers.get('x-request-id');
    } finally {
      await traced.close(); // flushes the batch
    }
    type Attr = { key: string; value: { stringValue?: string; intValue?: string | number } };
    const spans = (received as { resourceSpans: { scopeSpans: { spans: { name: string; attributes: Attr[]; status?: { code?: number } }[] }[] }[] }[]).flatMap((r) =>
      r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
    );
    const refused = spans.filter(
      (s) =>
        s.attributes.some((a) => a.key === 'credential_gateway.request_id' && a.value.stringValue === requestId) &&
        s.attributes.some((a) => a.key === 'http.response.status_code' && Number(a.value.intValue) === 403),
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]!.status?.code).toBe(2); // ERROR
  });

  describe("a caller's W3C trace context", () => {
    type Span = { name: string; traceId: string; spanId: string; parentSpanId?: string; attributes: { key: string; value: { stringValue?: string } }[] };
    const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
    const CALLER_SPAN = '00f067aa0ba902b7';
    /** Runs one vault listing per traceparent and returns the spans of each request. */
    async function traceRequests(traceparents: string[], tracing: Record<string, unknown> = {}) {
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      const traced = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { tracing: { otlpEndpoint: endpoint, ...tracing } } });
      const requestIds: (string | null)[] = [];
      try {
        for (const traceparent of traceparents) {
          const headers = { traceparent, tracestate: 'router=1' };
          requestIds.push((await traced.exec(ListCredentialsDocument, { first: 5, filter: { vendors: ['VAULT'] } }, headers)).headers.get('x-request-id'));
        }
      } finally {
        await traced.close(); // flushes the batch
      }
      const spans = (received as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] }[]).flatMap((r) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
      return requestIds.map((requestId) => {
        const mine = spans.filter((s) => s.attributes.some((a) => a.key === 'credential_gateway.request_id' && a.value.stringValue === requestId));
        return { operation: mine.find((s) => s.name === 'query ListCredentials')!, upstream: mine.filter((s) => s.name === 'GET /api/v1/credentials') };
      });
    }

    it("continues the caller's trace: the operation span is the child of the caller's span, and its upstream calls are in that trace", async () => {
      const { operation, upstream } = (await traceRequests([`00-${CALLER_TRACE}-${CALLER_SPAN}-01`]))[0]!;
      expect({ traceId: operation.traceId, parentSpanId: operation.parentSpanId }).toEqual({ traceId: CALLER_TRACE, parentSpanId: CALLER_SPAN });
      expect(upstream.length).toBeGreaterThan(0);
      for (const span of upstream) expect({ traceId: span.traceId, parentSpanId: span.parentSpanId }).toEqual({ traceId: CALLER_TRACE, parentSpanId: operation.spanId });
    });

    it('records the operation even when the caller says its trace is not sampled: a client cannot switch tracing off', async () => {
      const { operation, upstream } = (await traceRequests([`00-${CALLER_TRACE}-${CALLER_SPAN}-00`]))[0]!;
      expect(operation.traceId).toBe(CALLER_TRACE);
      expect(upstream.length).toBeGreaterThan(0);
    });

    it('starts a trace of its own for a malformed or all-zero traceparent', async () => {
      const results = await traceRequests([`00-${CALLER_TRACE}-${CALLER_SPAN}`, `00-${'0'.repeat(32)}-${CALLER_SPAN}-01`, `zz-${CALLER_TRACE}-${CALLER_SPAN}-01`]);
      for (const { operation } of results) {
        expect(operation.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(operation.traceId).not.toBe(CALLER_TRACE);
        expect(operation.traceId).not.toBe('0'.repeat(32));
        expect(operation.parentSpanId ?? '').toBe('');
      }
    });

    it('ignores it with tracing.incomingContext "ignore" (callers not trusted to name traces)', async () => {
      const { operation } = (await traceRequests([`00-${CALLER_TRACE}-${CALLER_SPAN}-01`], { incomingContext: 'ignore' }))[0]!;
      expect(operation.traceId).not.toBe(CALLER_TRACE);
      expect(operation.parentSpanId ?? '').toBe('');
    });
  });

  it('names an operation span by the operation only when its name is one the log line would keep (at most 64 characters)', async () => {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const traced = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { tracing: { otlpEndpoint: endpoint } } });
    const long = `Q${'x'.repeat(20_000)}`; // a GraphQL name all the same: the client picks how long
    const requestIds: (string | null)[] = [];
    try {
      for (const name of ['Short', long]) requestIds.push((await traced.post(JSON.stringify({ query: `query ${name} { __typename }` }))).headers.get('x-request-id'));
    } finally {
      await traced.close(); // flushes the batch
    }
    type Attr = { key: string; value: { stringValue?: string } };
    const spans = (received as { resourceSpans: { scopeSpans: { spans: { name: string; attributes: Attr[] }[] }[] }[] }[]).flatMap((r) =>
      r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
    );
    const spanOf = (requestId: string | null) => spans.find((s) => s.attributes.some((a) => a.key === 'credential_gateway.request_id' && a.value.stringValue === requestId));
    expect(spanOf(requestIds[0]!)?.name).toBe('query Short');
    const unnamed = spanOf(requestIds[1]!);
    expect(unnamed?.name).toBe('query');
    expect(JSON.stringify(unnamed)).not.toContain('xxxxxxxxxx');
  });
});
