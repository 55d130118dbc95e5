import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { graphiqlHandler } from '../src/graphiql.js';

const rendered = vi.hoisted(() => ({ count: 0 }));
vi.mock('@graphql-yoga/render-graphiql', async (importOriginal) => {
  const original = await importOriginal<typeof import('@graphql-yoga/render-graphiql')>();
  return {
    renderGraphiQL: (opts: Parameters<typeof original.renderGraphiQL>[0]) => {
      rendered.count++;
      return original.renderGraphiQL(opts);
    },
  };
});

/** A server whose GraphQL handler (what the page handler passes everything else to) answers 204. */
async function serve(headers?: Record<string, string>) {
  const server = createServer(graphiqlHandler('/graphql', { headers }, (_req, res) => res.writeHead(204).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** A raw request, so the Host header and gzip are exactly what the test says. */
function get(server: Server, path: string, headers: Record<string, string>, method = 'GET') {
  const { port } = server.address() as AddressInfo;
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const HTML = { accept: 'text/html' };

describe('the GraphiQL page', () => {
  let open: Server;
  let keyed: Server;
  beforeAll(async () => {
    open = await serve();
    keyed = await serve({ 'X-API-Key': 'cgw_sandbox-key' });
  });
  afterAll(() => {
    open.close();
    keyed.close();
  });

  it('serves GraphiQL with its example operation to a GET asking for HTML, never to be cached', async () => {
    const res = await get(open, '/graphql', HTML);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toMatch(/^[\w-]{36}$/);
    const page = res.body.toString('utf8');
    expect(page).toContain('<title>credential-gateway</title>');
    expect(page).toContain('ExpiringCredentials');
  });

  it('serves it at the endpoint with a trailing slash too, where GraphQL also answers', async () => {
    const res = await get(open, '/graphql/', HTML);
    expect(res.status).toBe(200);
    expect(res.body.toString('utf8')).toContain('<title>credential-gateway</title>');
  });

  it('sends the same page gzipped to a client that accepts it', async () => {
    const plain = await get(open, '/graphql', HTML);
    const zipped = await get(open, '/graphql', { ...HTML, 'accept-encoding': 'gzip, deflate' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
  });

  it('renders the page once, however many times it is asked for', async () => {
    const server = await serve();
    try {
      const before = rendered.count;
      await Promise.all(Array.from({ length: 5 }, () => get(server, '/graphql', HTML)));
      await get(server, '/graphql', HTML);
      expect(rendered.count - before).toBe(1);
    } finally {
      server.close();
    }
  });

  it('answers HEAD with the headers alone', async () => {
    const res = await get(open, '/graphql', HTML, 'HEAD');
    expect(res.status).toBe(200);
    expect(Number(res.headers['content-length'])).toBeGreaterThan(1_000_000);
    expect(res.body.length).toBe(0);
  });

  it.each([
    ['an operation in the query string', '/graphql?query=%7B__typename%7D', HTML],
    ['a request for JSON', '/graphql', { accept: 'application/json' }],
    ['another path', '/other', HTML],
  ])('passes %s on to GraphQL', async (_label, path, headers) => {
    expect((await get(open, path, headers)).status).toBe(204);
  });

  it('serves a page that carries the sandbox key to loopback hosts only', async () => {
    for (const host of ['127.0.0.1:4000', 'localhost:4000', 'localhost', '[::1]:4000']) {
      const res = await get(keyed, '/graphql', { ...HTML, host });
      expect(res.status, host).toBe(200);
      expect(res.body.toString('utf8')).toContain('cgw_sandbox-key');
    }
    // A site that rebinds its own name to 127.0.0.1 reaches the gateway with its name as the Host.
    const rebound = await get(keyed, '/graphql', { ...HTML, host: 'evil.example:4000' });
    expect(rebound.status).toBe(403);
    expect(rebound.body.toString('utf8')).not.toContain('cgw_sandbox-key');
  });

  it('refuses the page with the key to a client on another machine, whatever Host it names', () => {
    const answered: { status?: number; body?: string } = {};
    const req = { method: 'GET', url: '/graphql', headers: { ...HTML, host: 'localhost:4000' }, socket: { remoteAddress: '192.0.2.7' } };
    const res = {
      writeHead: (status: number) => ((answered.status = status), res),
      end: (body?: string) => void (answered.body = body),
    };
    graphiqlHandler('/graphql', { headers: { 'X-API-Key': 'cgw_sandbox-key' } }, () => {
      throw new Error('not for GraphQL');
    })(req as never, res as never);
    expect(answered.status).toBe(403);
    expect(answered.body).not.toContain('cgw_sandbox-key');
  });

  it('forbids framing the page, and sends it plain to a client that refuses gzip (q=0)', async () => {
    const res = await get(keyed, '/graphql', { ...HTML, host: 'localhost', 'accept-encoding': 'gzip;Q=0, identity' });
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toBe("frame-ancestors 'none'");
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.toString('utf8')).toContain('<html');
  });

  it('serves a page without a key to any host', async () => {
    expect((await get(open, '/graphql', { ...HTML, host: 'gateway.internal.example' })).status).toBe(200);
  });
});
