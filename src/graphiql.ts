import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { LOOPBACK_HOSTS, LOOPBACK_PEERS } from './loopback.js';
import { requestIdFrom } from './request-scope.js';
import { DEFAULT_QUERY, graphiqlTabs } from './schema/example-operations.js';

export interface GraphiQLOptions {
  /** Headers GraphiQL sends with every operation (the sandbox's key). */
  headers?: Record<string, string> | undefined;
}

interface Page {
  plain: Buffer;
  gzip: Buffer;
}

const gzipAsync = promisify(gzip);

/**
 * Serves the GraphiQL page (a GET of the endpoint asking for HTML, with no operation) before
 * authentication: the page holds no data, and it sends the caller's credentials with each operation.
 *
 * The page inlines GraphiQL's 9 MB bundle, so it works offline and air-gapped. It is rendered once
 * a day (its example variables hold a date) into one buffer that every response shares: a page
 * built per request cost ~45 MB of heap each, and clients that never read it could exhaust memory.
 * The bundle is loaded on the first view only: an API-only deployment never holds it.
 *
 * A page that carries headers (the sandbox's key) is served only to a client on this machine
 * (loopback peer) that asked for a loopback name (Host): another machine cannot fetch it, even
 * with `--host 0.0.0.0`, and a web page that rebinds its own name to 127.0.0.1 cannot read it. No
 * page may frame it.
 */
export function graphiqlHandler(endpoint: string, options: GraphiQLOptions, next: (req: IncomingMessage, res: ServerResponse) => void) {
  const headers = options.headers ? JSON.stringify(options.headers, null, 2) : undefined;
  let cached: { day: string; page: Promise<Page> } | undefined;

  const render = async (): Promise<Page> => {
    const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
    const html = renderGraphiQL({ title: 'credential-gateway', endpoint, defaultQuery: DEFAULT_QUERY, defaultTabs: graphiqlTabs(headers), headers });
    const plain = Buffer.from(html, 'utf8');
    return { plain, gzip: await gzipAsync(plain) };
  };
  const current = (): Promise<Page> => {
    const day = new Date().toISOString().slice(0, 10);
    if (cached?.day !== day) {
      const page = render();
      cached = { day, page };
      // A failed render is not kept: the next view tries again.
      page.catch(() => {
        if (cached?.page === page) cached = undefined;
      });
    }
    return cached.page;
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    if (!wantsPage(req, endpoint)) return next(req, res);
    if (headers && !(LOOPBACK_HOSTS.test(req.headers.host ?? '') && LOOPBACK_PEERS.test(req.socket.remoteAddress ?? ''))) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end('GraphiQL with the sandbox key is served on this machine only, at 127.0.0.1, localhost, [::1] or 0.0.0.0.\n');
    }
    current().then(
      (p) => {
        const zipped = acceptsGzip(req.headers['accept-encoding']);
        const body = zipped ? p.gzip : p.plain;
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': body.length,
          ...(zipped ? { 'content-encoding': 'gzip' } : {}),
          vary: 'accept-encoding',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'content-security-policy': "frame-ancestors 'none'",
          'x-request-id': requestIdFrom(req.headers['x-request-id']),
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        res.end(`GraphiQL could not be rendered: ${(err as Error).message}\n`);
      },
    );
  };
}

/** Whether `Accept-Encoding` takes gzip (`gzip;q=0` refuses it). */
function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
    return coding?.trim().toLowerCase() === 'gzip' && (q === undefined || Number(q) > 0);
  });
}

function wantsPage(req: IncomingMessage, endpoint: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const [path, search = ''] = (req.url ?? '/').split('?', 2);
  // With a trailing slash too, as GraphQL itself is served there.
  return (path === endpoint || path === `${endpoint}/`) && !new URLSearchParams(search).has('query') && String(req.headers.accept ?? '').includes('text/html');
}
