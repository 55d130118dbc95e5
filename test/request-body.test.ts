import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withBody, type BodyLimits } from '../src/request-body.js';
import { seedUuid } from '../src/vendors/vault/seed.js';
import type { VaultSimulator } from '../src/vendors/vault/simulator.js';
import { startHarness, type Harness } from './fixtures/harness.js';
import { gid } from './fixtures/ids.js';

/** Sends a request's head and the first part of its body, and keeps the socket open; `rest` finishes it. */
function partialPost(url: string, declaredLength: number, first: string) {
  const { hostname, port, pathname } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (d) => (received += String(d)));
  const answered = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.write(`POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${declaredLength}\r\n\r\n${first}`);
  return { answered, rest: (s: string) => socket.write(s), socket };
}

/**
 * A chunked POST on a raw socket whose body never ends: `chunks` go out `gapMs` apart and then
 * nothing more, so only a refusal mid-body can answer it, and the server has read all that was
 * sent when it answers and closes (nothing unread to turn its close into a reset). Resolves with
 * all the socket received.
 */
function unfinishedChunkedPost(url: string, chunks: string[], gapMs = 20): Promise<string> {
  const { hostname, port, pathname } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (d) => (received += String(d)));
  // A write after the refusal closed the socket fails; what was received is the answer either way.
  socket.on('error', () => undefined);
  const answered = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.write(`POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
  const send = (i: number) => {
    if (i === chunks.length || socket.destroyed) return;
    socket.write(`${Buffer.byteLength(chunks[i]!).toString(16)}\r\n${chunks[i]}\r\n`);
    setTimeout(() => send(i + 1), gapMs);
  };
  send(0);
  return answered;
}

/** A POST whose body goes out in chunks (Transfer-Encoding: chunked, no Content-Length), `gapMs` apart. */
function chunkedPost(url: string, chunks: string[], gapMs = 20): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, async (res) => resolve({ status: res.statusCode!, body: await text(res) }));
    req.on('error', reject);
    const send = (i: number) => {
      if (i === chunks.length) return void req.end();
      req.write(chunks[i]);
      setTimeout(() => send(i + 1), gapMs);
    };
    send(0);
  });
}

describe('withBody, in front of any handler', () => {
  let server: Server;
  let url: string;
  const limits: BodyLimits = { maxBytes: 3_000, timeoutMs: 2_000, maxHeldBytes: 4_000 };
  beforeAll(async () => {
    // The handler echoes the body it was handed, to show nothing of it was lost.
    server = createServer(
      withBody(limits, async (req, res) => {
        const body = (req as IncomingMessage & { body: Buffer | Readable }).body;
        res.end(`got ${Buffer.isBuffer(body) ? body.toString() : await text(body)}`);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('hands the handler the whole of a chunked body, however slowly its chunks came', async () => {
    expect(await chunkedPost(url, ['{"a":', '1,', '"b":2}'])).toEqual({ status: 200, body: 'got {"a":1,"b":2}' });
  });

  it('hands on a body of any size up to maxBytes whole (small ones as a Buffer, larger as a stream)', async () => {
    const big = 'x'.repeat(limits.maxBytes);
    expect(await chunkedPost(url, [big.slice(0, 300), big.slice(300)])).toEqual({ status: 200, body: `got ${big}` });
    expect(await chunkedPost(url, [big.slice(0, 300)])).toEqual({ status: 200, body: `got ${big.slice(0, 300)}` });
  });

  it('refuses with 400 a body that is not UTF-8, without handing it on; UTF-8 of any script, cut anywhere by chunks, goes through', async () => {
    // Latin-1 "é": decoded as UTF-8 it would become U+FFFD, silently, and be passed on as that.
    const latin1 = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":"caf\xe9"}', 'latin1') });
    expect(latin1.status).toBe(400);
    const answer = await latin1.text();
    expect(answer).toContain('"code":"BAD_REQUEST"');
    expect(answer).toContain('request body is not valid UTF-8');
    expect(answer).not.toContain('got ');
    const utf8 = Buffer.from('{"a":"café 😀 密钥"}');
    const parts = [utf8.subarray(0, 9), utf8.subarray(9, 14), utf8.subarray(14)]; // each cut inside a character
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, async (r) => resolve({ status: r.statusCode!, body: await text(r) }));
      req.on('error', reject);
      for (const part of parts) req.write(part);
      req.end();
    });
    expect(res).toEqual({ status: 200, body: `got ${utf8.toString()}` });
  });

  it('refuses a chunked body with 413 as soon as it passes maxBytes, without handing it on', async () => {
    const answer = await unfinishedChunkedPost(url, ['x'.repeat(1_200), 'y'.repeat(1_200), 'z'.repeat(1_200)]);
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('BAD_REQUEST');
    expect(answer).not.toContain('got ');
  });

  it('holds a declared length from the start: a body that would take what is held past maxHeldBytes is 503 OVERLOADED at once, and the first is still served', async () => {
    // Only a few bytes of each have arrived: the lengths they declared are what counts.
    const first = partialPost(url, 2_500, 'a'.repeat(10));
    await new Promise((r) => setTimeout(r, 100));
    const second = partialPost(url, 2_000, 'b'.repeat(10));
    const refused = await second.answered;
    expect(refused).toMatch(/^HTTP\/1\.1 503/);
    expect(refused).toMatch(/retry-after: 1/i);
    expect(refused).toContain('"code":"OVERLOADED"');
    first.rest('a'.repeat(2_490));
    first.socket.end();
    expect(await first.answered).toContain(`got ${'a'.repeat(2_500)}`);
  });

  it('refuses a chunked body with 503 OVERLOADED once what arrives takes what is held past maxHeldBytes', async () => {
    const first = partialPost(url, 2_500, 'a'.repeat(10));
    await new Promise((r) => setTimeout(r, 100));
    const answer = await unfinishedChunkedPost(url, ['x'.repeat(1_000), 'y'.repeat(1_000)]);
    expect(answer).toMatch(/^HTTP\/1\.1 503/);
    expect(answer).toContain('OVERLOADED');
    expect(answer).not.toContain('got ');
    first.socket.destroy();
    await first.answered;
    // What the two held is given back: the same chunked body now goes through.
    await new Promise((r) => setTimeout(r, 50));
    expect(await chunkedPost(url, ['x'.repeat(1_000), 'y'.repeat(1_000)])).toEqual({ status: 200, body: `got ${'x'.repeat(1_000)}${'y'.repeat(1_000)}` });
  });
});

describe('withBody, with pipelined requests', () => {
  it('gives back what a request held when its connection drops before its answer was sent', async () => {
    const limits: BodyLimits = { maxBytes: 3_000, timeoutMs: 2_000, maxHeldBytes: 4_000 };
    // Each answer takes 150 ms: the second request of a connection waits its turn behind the first.
    const server = createServer(withBody(limits, (_req, res) => void setTimeout(() => res.end('ok'), 150)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const post = (length: number) => `POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n${'a'.repeat(length)}`;
      for (let i = 0; i < 3; i++) {
        const socket = connect(port, '127.0.0.1');
        socket.write(post(10) + post(1_500));
        socket.on('error', () => undefined);
        await new Promise((r) => setTimeout(r, 50));
        socket.destroy(); // gone before either answer
      }
      await new Promise((r) => setTimeout(r, 400));
      // 3 × 1,500 bytes would still be held, and a body of 3,000 refused with 503.
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body: 'b'.repeat(3_000) });
      expect(res.status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('request bodies at the gateway', () => {
  let h: Harness;
  const BODY_TIMEOUT_MS = 400;
  beforeAll(async () => {
    h = await startHarness({
      accounts: { auth0: ['auth0-prod'], vault: ['vault-prod'] },
      // One request at a time, and a short deadline: a slot held by a slow body would starve the next request.
      config: { requestTimeoutMs: 2_000, limits: { requestBodyTimeoutMs: BODY_TIMEOUT_MS, admission: { adaptive: false, max: 1 } } },
    });
  });
  afterAll(() => h.close());
  afterEach(() => h.reset());

  it('runs an operation whose body comes chunked, without Content-Length', async () => {
    const res = await chunkedPost(h.gateway.url, ['{"query":"{ vendorAccounts', ' { name vendor } }"}']);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { data: { vendorAccounts: { name: string }[] }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.vendorAccounts).toContainEqual({ name: 'auth0-prod', vendor: 'AUTH0' });
  });

  it('refuses a body that is not UTF-8 before GraphQL runs: a Latin-1 "é" in a new secret is not sent on as U+FFFD', async () => {
    const vault = h.sim('vault-prod') as VaultSimulator;
    const stored = vault.state.credentials.find((c) => c.uuid === seedUuid('stripe-api-key'))!;
    const before = stored.value;
    const query = 'mutation($input: UpdateCredentialInput!) { updateCredential(input: $input) { __typename } }';
    const json = JSON.stringify({ query, variables: { input: { id: gid('VaultCredential', 'vault-prod', stored.uuid), value: 'caf\u00e9-2026' } } });
    const res = await fetch(h.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(json, 'latin1') });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ message: 'request body is not valid UTF-8', extensions: { code: 'BAD_REQUEST' } }] });
    expect(vault.requests).toEqual([]);
    expect(stored.value).toBe(before);
  });

  it('serves other requests while a body arrives slowly, and answers that one 408 once requestBodyTimeoutMs has passed', async () => {
    const slow = partialPost(h.gateway.url, 100, '{"query":');
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const other = await h.post(JSON.stringify({ query: '{ vendorAccounts { name } }' }));
    // With the only admission slot held by the slow body, this would wait out its deadline.
    expect(other.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(BODY_TIMEOUT_MS);
    const answer = await slow.answered;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain(`request body not received within ${BODY_TIMEOUT_MS} ms`);
    expect(h.sim('auth0-prod').requests).toEqual([]);
  });
});
