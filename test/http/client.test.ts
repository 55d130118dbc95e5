import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NotFoundError, RateLimitedError, UpstreamError, ValidationError } from '../../src/errors.js';
import { HttpClient, SCOPE_RECHECK_MS } from '../../src/http/client.js';
import { TokenCache } from '../../src/http/tokens.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { MemoryStore } from '../../src/store/memory.js';
import { capturedLogger } from '../fixtures/logs.js';
import { Writable } from 'node:stream';

/** A bare server that records raw request targets: what really went over the wire. */
let server: Server;
let base: string;
const seen: string[] = [];
let hold = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (hold || req.url === '/api/items/hang') return; // never answer: the caller must give up
    if (req.url === '/api/items/echo-long') {
      // A long message with the secret where the 300-character limit falls.
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ message: `${'x'.repeat(290)} value "s3cr3t-value-123" is too weak` }));
    }
    if (req.url === '/api/items/echo-emoji') {
      // A long message with an emoji (two UTF-16 units) straddling the 300-character limit.
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ message: `${'x'.repeat(299)}🔑 is not a valid name` }));
    }
    if (req.url === '/api/items/echo-surrogate') {
      // Half an emoji inside the message, as a vendor's JSON can write it: "\ud83d".
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ message: 'name "key \ud83d" is not valid' }));
    }
    if (req.url === '/api/items/echo-prefix') {
      // A vendor that quotes only the beginning of the rejected input.
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ message: 'value starting "s3cr3t-va" is too weak' }));
    }
    if (req.url === '/api/token') {
      // A token endpoint that quotes the client assertion it refuses.
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `invalid client_assertion ${new URLSearchParams(body).get('client_assertion')}` }));
      });
      return;
    }
    const endless = /^\/api\/items\/endless(?:-(\d{3}))?$/.exec(req.url ?? '');
    if (endless) {
      // An answer that never ends, with the status the path names (200 by default): 64 kB chunks until the client hangs up.
      res.writeHead(Number(endless[1] ?? 200), { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(65_536, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.write('[');
      pump();
      return;
    }
    if (req.url === '/api/token-drip') {
      // A token endpoint whose first answer drips in, a space at a time, well within any body timeout, and never ends.
      res.writeHead(200, { 'content-type': 'application/json' });
      if (seen.filter((u) => u === req.url).length > 1) return res.end('{"access_token":"t2","expires_in":86400}');
      res.write('{"access_token":"t1","expires_in":86400');
      const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write(' ')), 20);
      return;
    }
    if (req.url === '/api/items/scoped') {
      // A vendor whose token t1 lacks the scope this call needs, and t2 has it.
      const ok = req.headers.authorization === 'Bearer t2';
      res.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(ok ? { ok: true } : { message: 'Insufficient scope' }));
    }
    if (req.url === '/api/items/hang-then-ok') {
      // Sent and never answered the first time; answered after that.
      if (seen.filter((u) => u === req.url).length === 1) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"ok":true}');
    }
    if (req.url === '/api/items/timeout-then-ok' || req.url === '/api/items/garbled-then-ok') {
      // A vendor whose first answer is a 408, or a 2xx it garbled; answered properly after that.
      const first = seen.filter((u) => u === req.url).length === 1;
      if (first && req.url === '/api/items/timeout-then-ok') {
        res.writeHead(408, { 'content-type': 'application/json' });
        return res.end('{"message":"request timeout"}');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(first ? '{"ok":tr' : '{"ok":true}');
    }
    if (req.url === '/api/items/unavailable') {
      // A failure worth repeating, once the wait it asks for is over.
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' });
      return res.end('{"message":"try later"}');
    }
    if (req.url === '/api/items/busy') {
      // A failure worth repeating at once: no wait asked for.
      res.writeHead(503, { 'content-type': 'application/json' });
      return res.end('{"message":"busy"}');
    }
    if (req.url === '/api/items/slow-busy') {
      // The same, after a second.
      setTimeout(() => {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"message":"busy"}');
      }, 1_000);
      return;
    }
    if (req.url === '/api/items/fail') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end('{"message":"internal error"}');
    }
    if (req.url === '/api/items/drop') {
      // Received, then the connection is lost before any answer.
      return req.socket.destroy();
    }
    if (req.url === '/api/items/unprocessable') {
      // A vendor refusing the request as unprocessable, whatever its method.
      res.writeHead(422, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ message: 'unprocessable entity' }));
    }
    if (req.url === '/api/items/echo') {
      // A vendor that quotes the rejected input back in its error message.
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ message: 'value "s3cr3t-value-123" is too weak' }));
    }
    res.writeHead(req.url === '/api/items/ok' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(req.url === '/api/items/ok' ? '{"ok":true}' : '{"message":"nope"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(() => {
  // The clients under test keep their connections alive: cut them rather than wait them out.
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  seen.length = 0;
  hold = false;
});

/** Resolves once the server has received `n` requests in this test: a call cut off after that was on the wire. */
async function received(n: number) {
  while (seen.length < n) await new Promise((r) => setTimeout(r, 5));
}
/** The reason RequestScope cancels with when the request's deadline passes. */
const deadlinePassed = () => new DOMException('The request deadline passed', 'TimeoutError');

const client = (extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({
    vendor: 'AUTH0',
    account: 'test',
    baseUrl: base,
    logger: silentLogger,
    errorMessage: (b) => (b as { message?: string }).message,
    ...extra,
  });

describe('HttpClient', () => {
  it.each(['../admin', '..', 'a/../../b', '%2F..%2Fadmin', 'x?y=1#z'])('keeps the id %j inside one path segment on the wire', async (id) => {
    await client()
      .request({ method: 'GET', route: '/items/{id}', params: { id }, schema: z.unknown() })
      .catch(() => undefined);
    expect(seen).toHaveLength(1);
    const target = seen[0]!;
    expect(target.startsWith('/api/items/')).toBe(true);
    expect(target.slice('/api/items/'.length)).not.toMatch(/[/?#]/);
    expect(decodeURIComponent(target.slice('/api/items/'.length))).toBe(id);
  });

  it('prefixes the base path and parses the response with the schema', async () => {
    const body = await client().request({ method: 'GET', route: '/items/{id}', params: { id: 'ok' }, schema: z.object({ ok: z.boolean() }) });
    expect(body).toEqual({ ok: true });
    expect(seen).toEqual(['/api/items/ok']);
  });

  it('cuts off a 2xx answer longer than maxResponseBytes: an UpstreamError with its status, not repeated', async () => {
    const started = Date.now();
    const err = await client({ maxResponseBytes: 1_000_000, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } })
      .request({ method: 'GET', route: '/items/{id}', params: { id: 'endless' }, schema: z.unknown() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({
      message: 'AUTH0 account "test" returned an answer over 1000000 bytes (HTTP 200; http.maxResponseBytes)',
      status: 200,
      retryable: false,
      outcomeUnknown: false,
    });
    expect(seen).toEqual(['/api/items/endless']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('says a write whose 2xx answer was cut off was applied, with its result unread', async () => {
    const err = await client({ maxResponseBytes: 1_000_000 })
      .request({ method: 'POST', route: '/items/{id}', params: { id: 'endless' }, json: {}, schema: z.unknown() })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 200, outcomeUnknown: true, retryable: false, message: expect.stringContaining('the change was applied, but its result could not be read') });
  });

  it('reads a refusal whose answer was cut off by its status: a 404 is NotFoundError', async () => {
    const err = await client({ maxResponseBytes: 1_000_000 })
      .request({ method: 'GET', route: '/items/{id}', params: { id: 'endless-404' }, schema: z.unknown(), resource: 'item' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe('item not found in AUTH0 account "test" (its answer, over 1000000 bytes, was not read)');
  });

  it('repeats a read whose 503 answer was cut off, as any 503, and counts it toward the circuit breaker', async () => {
    const c = client({ maxResponseBytes: 100_000, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, breaker: { failureThreshold: 2, cooldownMs: 60_000 } });
    const err = await c.request({ method: 'GET', route: '/items/{id}', params: { id: 'endless-503' }, schema: z.unknown() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, message: expect.stringContaining('(its answer, over 100000 bytes, was not read)') });
    expect(seen).toEqual(['/api/items/endless-503', '/api/items/endless-503']);
    const paused = await c.request({ method: 'GET', route: '/items/{id}', params: { id: 'ok' }, schema: z.unknown() }).catch((e: unknown) => e);
    expect(paused).toMatchObject({ circuitOpen: true });
  });

  it('does not count a 2xx answer cut off by the gateway’s own limit toward the circuit breaker', async () => {
    const c = client({ maxResponseBytes: 100_000, breaker: { failureThreshold: 2, cooldownMs: 60_000 } });
    for (let i = 0; i < 3; i++) {
      await expect(c.request({ method: 'GET', route: '/items/{id}', params: { id: 'endless' }, schema: z.unknown() })).rejects.toMatchObject({ status: 200 });
    }
    await expect(c.request({ method: 'GET', route: '/items/{id}', params: { id: 'ok' }, schema: z.unknown() })).resolves.toEqual({ ok: true });
  });

  it('repeats a read answered 408 (the vendor gave up waiting for the request), and tells the caller it may ask again when it cannot', async () => {
    const once = await client({ retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } })
      .request({ method: 'GET', route: '/items/{id}', params: { id: 'timeout-then-ok' }, schema: z.object({ ok: z.boolean() }) })
      .catch((e: unknown) => e);
    expect(once).toMatchObject({ message: 'AUTH0 account "test" timed out reading the request (HTTP 408): request timeout', status: 408, retryable: true });
    seen.length = 0;
    const body = await client({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }).request({
      method: 'GET',
      route: '/items/{id}',
      params: { id: 'timeout-then-ok' },
      schema: z.object({ ok: z.boolean() }),
    });
    expect(body).toEqual({ ok: true });
    expect(seen).toEqual(['/api/items/timeout-then-ok', '/api/items/timeout-then-ok']);
  });

  it('tells the caller a read whose 2xx answer is not JSON may be asked again (retryable), without repeating it itself', async () => {
    const err = await client({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } })
      .request({ method: 'GET', route: '/items/{id}', params: { id: 'garbled-then-ok' }, schema: z.object({ ok: z.boolean() }) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ message: 'AUTH0 account "test" returned malformed JSON (HTTP 200)', status: 200, retryable: true, outcomeUnknown: false });
    expect(seen).toEqual(['/api/items/garbled-then-ok']);
  });

  it('answers a failure at once, rather than wait past its request’s deadline for the retry the vendor asked to be delayed', async () => {
    // A scope with a deadline and no signal: nothing would cut the wait short.
    const err = await client({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } })
      .request({ method: 'GET', route: '/items/{id}', params: { id: 'unavailable' }, schema: z.unknown(), scope: { deadline: Date.now() + 5_000 } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, retryable: true, retryAfter: 30 });
    expect(seen).toEqual(['/api/items/unavailable']);
  });

  it('maps 404 to NotFoundError with the vendor message', async () => {
    const err = await client()
      .request({ method: 'GET', route: '/items/{id}', params: { id: 'missing' }, schema: z.unknown(), resource: 'item' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe('item not found in AUTH0 account "test": nope');
  });

  it('reads a 422 answering a read as the vendor rejecting the gateway’s request (UpstreamError), not the caller’s input, and does not repeat it', async () => {
    const err = await client({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } })
      .request({ method: 'GET', route: '/items/{id}', params: { id: 'unprocessable' }, schema: z.unknown() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).not.toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({
      message: 'AUTH0 account "test" rejected the gateway\'s request (HTTP 422): unprocessable entity',
      code: 'UPSTREAM_ERROR',
      status: 422,
      retryable: false,
    });
    expect(seen).toEqual(['/api/items/unprocessable']);
  });

  it('reads a 422 answering a write as the vendor rejecting the change (ValidationError)', async () => {
    const err = await client()
      .request({ method: 'PATCH', route: '/items/{id}', params: { id: 'unprocessable' }, json: { name: 'x' }, schema: z.unknown() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ message: 'AUTH0 account "test" rejected the request (HTTP 422): unprocessable entity', code: 'BAD_USER_INPUT' });
    expect(seen).toEqual(['/api/items/unprocessable']);
  });

  it('cuts a secret being written out of the vendor error message', async () => {
    const err = await client()
      .request({ method: 'PUT', route: '/items/{id}', params: { id: 'echo' }, json: { value: 's3cr3t-value-123' }, schema: z.unknown(), redact: ['s3cr3t-value-123'] })
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain('value "[redacted]" is too weak');
    expect((err as Error).message).not.toContain('s3cr3t');
  });

  it('cuts a client assertion made for this attempt out of the token endpoint message', async () => {
    const assertion = 'eyJhbGciOiJFZERTQSJ9.eyJub25jZSI6IjEyMyJ9.c2lnbmF0dXJlLTAxMjM0NTY3';
    const err = await client()
      .request({ method: 'POST', route: '/token', auth: false, freshForm: async () => ({ grant_type: 'client_credentials', client_assertion: assertion }), schema: z.unknown() })
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain('invalid client_assertion [redacted]');
    expect(seen).toEqual(['/api/token']);
  });

  it('never lets a secret through cut in half by the length limit on vendor messages', async () => {
    const err = await client()
      .request({ method: 'PUT', route: '/items/{id}', params: { id: 'echo-long' }, json: { value: 's3cr3t-value-123' }, schema: z.unknown(), redact: ['s3cr3t-value-123'] })
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/x value "\[r$/);
    expect((err as Error).message).not.toContain('s3cr3t');
  });

  it('cuts a long vendor message before a character, never inside one: half an emoji is no text a client can decode', async () => {
    const err = await client()
      .request({ method: 'PUT', route: '/items/{id}', params: { id: 'echo-emoji' }, json: { name: 'x' }, schema: z.unknown() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const message = (err as Error).message;
    expect(message).toMatch(/: x{299}$/);
    // An unpaired surrogate would go out as "\ud83d" in the GraphQL answer, which strict JSON parsers refuse.
    expect(/\p{Cs}/u.test(message)).toBe(false);
  });

  it('shows an unpaired surrogate inside a vendor message as U+FFFD: the caller gets text it can decode', async () => {
    const err = await client()
      .request({ method: 'PUT', route: '/items/{id}', params: { id: 'echo-surrogate' }, json: { name: 'x' }, schema: z.unknown() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/: name "key \ufffd" is not valid$/);
  });

  it('withholds a vendor error message that quotes part of a secret being written', async () => {
    const err = await client()
      .request({ method: 'PUT', route: '/items/{id}', params: { id: 'echo-prefix' }, json: { value: 's3cr3t-value-123' }, schema: z.unknown(), redact: ['s3cr3t-value-123'] })
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain('rejected the request (HTTP 400): [message withheld: it quoted part of a secret]');
    expect((err as Error).message).not.toContain('s3cr3t');
  });

  it('logs one line per call with the request id, vendor, account, route template and the extra fields, not the raw path', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }) });
    await client({ logger }).request({
      method: 'GET',
      route: '/items/{id}',
      params: { id: 'ok' },
      schema: z.unknown(),
      log: { clientRequestId: 'abc-123' },
      scope: { requestId: 'req-1' },
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'upstream call',
      requestId: 'req-1',
      vendor: 'AUTH0',
      account: 'test',
      method: 'GET',
      route: '/items/{id}',
      status: 200,
      clientRequestId: 'abc-123',
    });
    expect(lines[0]).not.toContain('/items/ok');
  });

  it('counts a retry in upstream_retries_total when it is made, not when the request is cancelled while it waits to make it', async () => {
    const metrics = new Metrics();
    const { logger, lines } = capturedLogger();
    const controller = new AbortController();
    const pending = client({ logger, metrics, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 60_000 } })
      .request({ method: 'GET', route: '/items/{id}', params: { id: 'unavailable' }, schema: z.unknown(), scope: { signal: controller.signal, deadline: Date.now() + 120_000 } })
      .catch((e: unknown) => e);
    // The 503 is logged, then the call waits the 30 s it asked for: the client goes away meanwhile.
    while (!lines.some((l) => l.status === 503)) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(await pending).toMatchObject({ status: 503 });
    expect(seen).toEqual(['/api/items/unavailable']);
    expect((await metrics.retries.get()).values.reduce((n, v) => n + v.value, 0)).toBe(0);
  });

  it('stops repeating failed calls once the account has spent its retry budget, and counts each refused retry', async () => {
    const metrics = new Metrics();
    // No share of the calls, 0.5 a second: 5 retries in the 10 s window.
    const c = client({ metrics, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, budgetRatio: 0, budgetMinPerSecond: 0.5 }, breaker: { failureThreshold: 100, cooldownMs: 60_000 } });
    for (let i = 0; i < 10; i++) {
      const err = await c.request({ method: 'GET', route: '/items/{id}', params: { id: 'busy' }, schema: z.unknown() }).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 503, retryable: true });
    }
    // Calls 1 and 2 were each repeated twice, call 3 once; then the budget was spent.
    expect(seen).toHaveLength(10 + 5);
    const total = async (counter: Metrics['retries']) => (await counter.get()).values.reduce((n, v) => n + v.value, 0);
    expect(await total(metrics.retries)).toBe(5);
    expect(await total(metrics.retriesRefused)).toBe(8);
  });

  it('earns retries from the calls it makes: a share of them, on top of the reserve', async () => {
    const c = client({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, budgetRatio: 0.5, budgetMinPerSecond: 0 }, breaker: { failureThreshold: 100, cooldownMs: 60_000 } });
    for (let i = 0; i < 4; i++) await c.request({ method: 'GET', route: '/items/{id}', params: { id: 'ok' }, schema: z.unknown() });
    seen.length = 0;
    // Four calls made, then three failing ones: 7 × 0.5 = 3.5 retries, so three are made.
    for (let i = 0; i < 3; i++) await c.request({ method: 'GET', route: '/items/{id}', params: { id: 'busy' }, schema: z.unknown() }).catch(() => undefined);
    expect(seen).toHaveLength(3 + 3);
  });

  it('does not start a retry that the deadline would cut off sooner than the failed attempt took, and reports the vendor failure', async () => {
    const c = client({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });
    // The attempt takes a second; half a second is left after it.
    const err = await c
      .request({ method: 'GET', route: '/items/{id}', params: { id: 'slow-busy' }, schema: z.unknown(), scope: { deadline: Date.now() + 1_500 } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, cancelled: false, retryable: true });
    expect(seen).toEqual(['/api/items/slow-busy']);
  });

  it('gives up when the response headers do not arrive in time', async () => {
    hold = true;
    const err = await client({ headersTimeoutMs: 200 })
      .request({ method: 'GET', route: '/items/{id}', params: { id: 'slow' }, schema: z.unknown() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).retryable).toBe(true);
  });

  it('closes at once, failing a call no request waits for any more (a background token fetch), instead of waiting for its answer', async () => {
    hold = true;
    const c = client({ headersTimeoutMs: 15_000 });
    const pending = c.request({ method: 'POST', route: '/items/{id}', params: { id: 'token' }, auth: false, idempotent: true, schema: z.unknown() }).catch((e: unknown) => e);
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await c.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await pending).toBeInstanceOf(UpstreamError);
  });

  it('gives up a token request whose answer never ends at a deadline of its own, so a later call asks again instead of waiting on it forever', async () => {
    const c = client({ bodyTimeoutMs: 15_000, unscopedTimeoutMs: 300 });
    const tokens = new TokenCache(async () => {
      const res = await c.request({ method: 'POST', route: '/token-drip', auth: false, idempotent: true, schema: z.object({ access_token: z.string(), expires_in: z.number() }) });
      return { accessToken: res.access_token, expiresIn: res.expires_in };
    });
    // No caller's deadline bounds a token fetch: every caller shares it, each waiting only until its own.
    const first = await tokens.get().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(UpstreamError);
    expect((first as UpstreamError).message).toContain('did not answer within the request deadline');
    await expect(tokens.get()).resolves.toBe('t2');
    expect(seen).toEqual(['/api/token-drip', '/api/token-drip']);
  }, 10_000);

  it('propagates the GraphQL request abort signal upstream', async () => {
    hold = true;
    const controller = new AbortController();
    const pending = client().request({ method: 'GET', route: '/items/{id}', params: { id: 'slow' }, schema: z.unknown(), scope: { signal: controller.signal } });
    await received(1); // else, sent late, it could reach the server during the next test
    controller.abort();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/cancelled/);
  });

  it('gives up a call waiting for a busy account slot when its request is cancelled, without waiting for the slot', async () => {
    hold = true;
    const c = client({ concurrency: 1, headersTimeoutMs: 1_000 });
    const busy = c.request({ method: 'GET', route: '/items/{id}', params: { id: 'first' }, schema: z.unknown() }).catch((e: unknown) => e);
    const controller = new AbortController();
    const waiting = c.request({ method: 'POST', route: '/items/{id}', params: { id: 'second' }, json: {}, schema: z.unknown(), scope: { signal: controller.signal } });
    setTimeout(() => controller.abort(), 50);
    const err = (await waiting.catch((e: unknown) => e)) as UpstreamError;
    // Given up while the first call still held the slot, not once its timeout freed it.
    expect(await Promise.race([busy.then(() => 'slot freed'), new Promise((r) => setImmediate(() => r('slot still held')))])).toBe('slot still held');
    expect(err).toMatchObject({ cancelled: true, outcomeUnknown: false });
    expect(seen).toEqual(['/api/items/first']);
    expect(await busy).toBeInstanceOf(UpstreamError); // the held call times out on its own
  });

  it('gives back the rate budget slot of a call cancelled while it waited for it: the callers after it do not wait for a call never made', async () => {
    // The store's clock stands still: the waits below do not depend on how fast this machine runs.
    const store = new MemoryStore(() => 1_000_000);
    const rate = { perSecond: 5, burst: 1 }; // a slot every 200 ms
    const c = client({ store, rateLimit: rate });
    const ok = { method: 'GET', route: '/items/{id}', params: { id: 'ok' }, schema: z.unknown() } as const;
    await c.request(ok); // the burst: at once
    const controller = new AbortController();
    const waiting = c.request({ ...ok, scope: { signal: controller.signal } }); // reserves the slot 200 ms ahead
    setTimeout(() => controller.abort(), 20); // before that wait's timer, which is set later and for longer
    expect(await waiting.catch((e: unknown) => e)).toMatchObject({ cancelled: true });
    await new Promise((r) => setImmediate(r));
    // The next slot is the one given back (200 ms away), not the one after it (400 ms).
    const { waitMs: wait } = await store.reserveRate('rate:AUTH0:test', rate.perSecond, rate.burst);
    expect(wait).toBe(200);
    expect(seen).toEqual(['/api/items/ok']);
    await store.close();
  });

  it('reports a POST cancelled after it was sent as outcome unknown', async () => {
    hold = true;
    const controller = new AbortController();
    const pending = client().request({ method: 'POST', route: '/items/{id}', params: { id: 'rotate' }, json: {}, schema: z.unknown(), scope: { signal: controller.signal } });
    await received(1);
    controller.abort();
    const err = (await pending.catch((e: unknown) => e)) as UpstreamError;
    expect(err).toMatchObject({ cancelled: true, outcomeUnknown: true });
    expect(err.message).toMatch(/was cancelled; the change may or may not have been applied/);
    expect(seen).toEqual(['/api/items/rotate']);
  });

  it('counts a call its request deadline cut off on the wire as a failure for the breaker', async () => {
    const c = client({ breaker: { failureThreshold: 1, cooldownMs: 60_000 } });
    const scope = new AbortController();
    const pending = c.request({ method: 'GET', route: '/items/{id}', params: { id: 'hang' }, schema: z.unknown(), scope: { signal: scope.signal } }).catch((e: unknown) => e);
    await received(1);
    scope.abort(deadlinePassed());
    expect(await pending).toMatchObject({ cancelled: true, message: 'AUTH0 account "test" did not answer within the request deadline' });
    await expect(c.request({ method: 'GET', route: '/items/{id}', params: { id: 'ok' }, schema: z.unknown() })).rejects.toMatchObject({ circuitOpen: true });
    expect(seen).toEqual(['/api/items/hang']);
  });

  it('counts toward the breaker no call cut off by its client leaving, nor one never sent, and one request cut off by its deadline once', async () => {
    const c = client({ breaker: { failureThreshold: 2, cooldownMs: 60_000 } });
    const hang = (signal: AbortSignal) =>
      c.request({ method: 'GET', route: '/items/{id}', params: { id: 'hang' }, schema: z.unknown(), scope: { signal } }).catch((e: unknown) => e);
    for (let i = 1; i <= 2; i++) {
      const leaving = new AbortController();
      const pending = hang(leaving.signal);
      await received(i);
      leaving.abort();
      expect(await pending).toMatchObject({ cancelled: true, message: 'request to AUTH0 account "test" was cancelled' });
    }
    // Out of time before it was sent: the vendor was asked nothing.
    expect(await hang(AbortSignal.abort(deadlinePassed()))).toMatchObject({ cancelled: true });
    // Two calls of one request, both cut off by its deadline: one failure.
    const request = new AbortController();
    const both = Promise.all([hang(request.signal), hang(request.signal)]);
    await received(4);
    request.abort(deadlinePassed());
    expect(await both).toMatchObject([{ cancelled: true }, { cancelled: true }]);
    await expect(c.request({ method: 'GET', route: '/items/{id}', params: { id: 'ok' }, schema: z.unknown() })).resolves.toEqual({ ok: true });
    expect(seen).toEqual(['/api/items/hang', '/api/items/hang', '/api/items/hang', '/api/items/hang', '/api/items/ok']);
  });

  it('sends none of the calls queued for a slot once the calls ahead of them have opened the breaker: they fail fast, unsent', async () => {
    const c = client({ concurrency: 1, breaker: { failureThreshold: 1, cooldownMs: 60_000 } });
    // All admitted while the breaker is closed; one goes, the rest wait for its slot.
    const results = await Promise.all(
      Array.from({ length: 5 }, () => c.request({ method: 'GET', route: '/items/{id}', params: { id: 'fail' }, schema: z.unknown() }).catch((e: unknown) => e)),
    );
    expect(results[0]).toMatchObject({ status: 500 });
    for (const r of results.slice(1)) expect(r).toMatchObject({ circuitOpen: true, retryable: true, status: null, message: 'AUTH0 account "test" is failing; calls are paused for 60s (circuit open)' });
    expect(seen).toEqual(['/api/items/fail']);
  });

  it('tells how long an open breaker pauses the account in retryAfter, as its message does', async () => {
    const c = client({ breaker: { failureThreshold: 1, cooldownMs: 60_000 } });
    await expect(c.request({ method: 'GET', route: '/items/{id}', params: { id: 'fail' }, schema: z.unknown() })).rejects.toMatchObject({ status: 500 });
    const refused = await c.request({ method: 'GET', route: '/items/{id}', params: { id: 'ok' }, schema: z.unknown() }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ circuitOpen: true, retryable: true, retryAfter: 60, message: 'AUTH0 account "test" is failing; calls are paused for 60s (circuit open)' });
    expect((refused as UpstreamError).extensions()).toMatchObject({ circuitOpen: true, retryAfter: 60 });
  });

  it('lets one probe at a time through a half-open breaker, even when a call admitted before it opened is cancelled meanwhile', async () => {
    const c = client({ breaker: { failureThreshold: 1, cooldownMs: 100 } });
    const get = (id: string, signal?: AbortSignal) =>
      c.request({ method: 'GET', route: '/items/{id}', params: { id }, schema: z.unknown(), scope: signal && { signal } }).catch((e: unknown) => e);
    const early = new AbortController();
    const admittedWhileClosed = get('hang', early.signal);
    expect(await get('fail')).toMatchObject({ status: 500 }); // opens the breaker
    await new Promise((r) => setTimeout(r, 150));
    const probeEnd = new AbortController();
    const probe = get('hang', probeEnd.signal);
    await received(3);
    early.abort(); // its client leaves: no verdict on the vendor, and no say on the probe
    expect(await admittedWhileClosed).toMatchObject({ cancelled: true });
    expect(await get('ok')).toMatchObject({ circuitOpen: true });
    probeEnd.abort();
    await probe;
    expect(seen).toEqual(['/api/items/hang', '/api/items/fail', '/api/items/hang']);
  });

  it('tells the caller of a change sent and never answered, even an idempotent one, and not of a read or an unsent change', async () => {
    hold = true;
    const unanswered: string[] = [];
    const cutOff = (method: 'PUT' | 'GET', signal: AbortSignal, label: string) =>
      client()
        .request({
          method,
          route: '/items/{id}',
          params: { id: 'put' },
          ...(method === 'PUT' ? { json: {} } : {}),
          schema: z.unknown(),
          scope: { signal },
          onUnanswered: () => unanswered.push(label),
        })
        .catch((e: unknown) => e);
    expect(await cutOff('PUT', AbortSignal.timeout(50), 'PUT sent')).toMatchObject({ cancelled: true, outcomeUnknown: false, retryable: true });
    await cutOff('GET', AbortSignal.timeout(50), 'GET sent');
    await cutOff('PUT', AbortSignal.abort(), 'PUT unsent');
    expect(unanswered).toEqual(['PUT sent']);
    expect(seen).toEqual(['/api/items/put', '/api/items/put']);
  });

  it('tells the caller of an unanswered attempt of a change even when a retry then succeeds', async () => {
    let unanswered = 0;
    const result = await client({ headersTimeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }).request({
      method: 'PUT',
      route: '/items/{id}',
      params: { id: 'hang-then-ok' },
      json: {},
      schema: z.unknown(),
      onUnanswered: () => unanswered++,
    });
    expect(result).toEqual({ ok: true });
    expect(unanswered).toBe(1);
    expect(seen).toEqual(['/api/items/hang-then-ok', '/api/items/hang-then-ok']);
  });

  it('after a 403, sends the call once more with a new token when its own is a minute old, so a grant made since counts', async () => {
    let now = 0;
    let issued = 0;
    const tokens = new TokenCache(async () => ({ accessToken: `t${++issued}`, expiresIn: 86_400 }), { clock: () => now });
    const api = client({ tokens });
    const call = () => api.request({ method: 'GET', route: '/items/{id}', params: { id: 'scoped' }, schema: z.unknown() }).catch((e: unknown) => e);
    expect(await call()).toMatchObject({ status: 403, retryable: false, message: expect.stringContaining('does not allow the gateway this call (HTTP 403): Insufficient scope') });
    expect(issued).toBe(1);
    now = SCOPE_RECHECK_MS;
    expect(await call()).toEqual({ ok: true });
    expect(issued).toBe(2);
    expect(seen).toEqual(['/api/items/scoped', '/api/items/scoped', '/api/items/scoped']);
  });

  it('keeps serving an account with its token after a 403 when no newer token can be had', async () => {
    let now = 0;
    let issued = 0;
    const tokens = new TokenCache(
      async () => {
        if (++issued > 1) throw new RateLimitedError({ vendor: 'AUTH0', account: 'test' }, 120, 'vendor', true);
        return { accessToken: 't1', expiresIn: 86_400 };
      },
      { clock: () => now },
    );
    const api = client({ tokens });
    const get = (id: string) => api.request({ method: 'GET', route: '/items/{id}', params: { id }, schema: z.unknown() });
    await expect(get('ok')).resolves.toEqual({ ok: true });
    now = SCOPE_RECHECK_MS;
    await expect(get('scoped')).rejects.toMatchObject({ status: 403 });
    await expect(get('ok')).resolves.toEqual({ ok: true });
    expect(issued).toBe(2);
    expect(seen).toEqual(['/api/items/ok', '/api/items/scoped', '/api/items/ok']);
  });

  it('reports a POST cancelled before it was sent as not applied, and sends nothing', async () => {
    const err = (await client()
      .request({ method: 'POST', route: '/items/{id}', params: { id: 'rotate' }, json: {}, schema: z.unknown(), scope: { signal: AbortSignal.abort() } })
      .catch((e: unknown) => e)) as UpstreamError;
    expect(err).toMatchObject({ cancelled: true, outcomeUnknown: false });
    expect(seen).toEqual([]);
  });

  it('reports an unreachable vendor as retryable, and a POST it never reached as not applied (outcome known)', async () => {
    const down = new HttpClient({ vendor: 'AUTH0', account: 'down', baseUrl: 'http://127.0.0.1:1', logger: silentLogger, errorMessage: () => undefined });
    const err = (await down.request({ method: 'POST', route: '/rotate', schema: z.unknown() }).catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.retryable).toBe(true);
    expect(err.outcomeUnknown).toBe(false); // connection refused: nothing was sent
  });

  it('reports a POST that failed in the TLS handshake as not applied: it was never sent', async () => {
    const err = (await client({ baseUrl: base.replace('http:', 'https:') })
      .request({ method: 'POST', route: '/items/{id}', params: { id: 'rotate' }, json: {}, schema: z.unknown() })
      .catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ status: null, outcomeUnknown: false, retryable: true, message: expect.stringMatching(/^AUTH0 account "test" could not be reached \(ERR_SSL_\w+\)$/) });
    expect(seen).toEqual([]);
  });

  it('reports a POST made after its client was closed (shutdown) as not applied: it was never sent', async () => {
    const c = client();
    await c.close();
    let unanswered = 0;
    const err = await c
      .request({ method: 'POST', route: '/items/{id}', params: { id: 'rotate' }, json: {}, schema: z.unknown(), onUnanswered: () => unanswered++ })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: null, outcomeUnknown: false, message: 'AUTH0 account "test" could not be reached (UND_ERR_DESTROYED)' });
    expect(unanswered).toBe(0);
    expect(seen).toEqual([]);
  });

  it('still reports a POST whose connection was lost once it was sent as outcome unknown', async () => {
    let unanswered = 0;
    const err = await client()
      .request({ method: 'POST', route: '/items/{id}', params: { id: 'drop' }, json: {}, schema: z.unknown(), onUnanswered: () => unanswered++ })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: null, outcomeUnknown: true, retryable: false, message: expect.stringContaining('the change may or may not have been applied') });
    expect(unanswered).toBe(1);
    expect(seen).toEqual(['/api/items/drop']);
  });
});
