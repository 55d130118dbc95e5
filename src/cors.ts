import type { IncomingMessage, ServerResponse } from 'node:http';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface CorsSettings {
  /** Origins (scheme://host[:port]) whose pages may call the gateway. */
  origins: readonly string[];
  /** Whether those pages may send cookies or HTTP authentication along. */
  credentials: boolean;
  /** Request headers a page may send (beyond the CORS-safelisted ones). */
  allowedHeaders: readonly string[];
}

/** What a page may read of an answer beyond the safelisted headers. */
const EXPOSED = 'x-request-id, retry-after';

/**
 * Cross-origin access for the configured origins, in front of every other layer: each answer to
 * an allowed page names its origin, refusals included (a 413, 408 or 503 written before GraphQL
 * runs), so the page can read the status and `Retry-After` rather than see a network error. A
 * preflight from an allowed origin is answered here; any other origin gets no CORS header at all,
 * and its preflight goes on to be refused as the method it is.
 */
export function withCors(settings: CorsSettings, handler: Handler): Handler {
  const origins = new Set(settings.origins);
  const allowHeaders = settings.allowedHeaders.join(', ');
  return (req, res) => {
    const { origin } = req.headers;
    // Answers differ by Origin: a cache in between must not hand one page's answer to another.
    res.setHeader('vary', 'Origin');
    if (origin === undefined || !origins.has(origin)) return handler(req, res);
    res.setHeader('access-control-allow-origin', origin);
    if (settings.credentials) res.setHeader('access-control-allow-credentials', 'true');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': allowHeaders,
        'access-control-max-age': '600',
        'cache-control': 'no-store', // as every other answer (the browser keeps a preflight by max-age alone)
        'content-length': '0',
      });
      res.end();
      return;
    }
    res.setHeader('access-control-expose-headers', EXPOSED);
    handler(req, res);
  };
}
