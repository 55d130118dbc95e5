import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerType, bodyType, GRAPHQL_RESPONSE, JSON_TYPE } from './media-type.js';
import { refusal, refuseUnread } from './refusal.js';
import { requestIdOf } from './observability/request-log.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** What a POST may carry: a GraphQL-over-HTTP JSON request, or a bare document (`application/graphql`). */
const BODY_TYPES = new Set([JSON_TYPE, 'application/graphql']);
const ALLOW = 'GET, POST';

/**
 * What GraphQL over HTTP asks of a request to the endpoint, settled before anything reads its body
 * or authenticates it, each refusal a GraphQL-shaped error:
 * - the method: GET or POST, else 405 with `Allow` (also HEAD: executing an operation to send no
 *   answer serves no one, and Yoga's CSRF check would call a DELETE a forgery);
 * - a POST's media type: JSON or a GraphQL document, in UTF-8, matched case-insensitively, else
 *   415 (Yoga's own parsers would also take forms and multipart uploads, which nothing here needs);
 * - the answer's media type: `application/graphql-response+json` or `application/json`, by the
 *   client's preference (q-values included), else 406.
 * The request then names exactly its body's type and its answer's type, so Yoga, and every refusal
 * after this one, matches them without parsing again, and never streams an answer (SSE,
 * multipart), which no operation here needs.
 */
export function withGraphQLHttp(endpoint: string, handler: Handler): Handler {
  const paths = new Set([endpoint, `${endpoint}/`]);
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if (!paths.has(q < 0 ? url : url.slice(0, q))) return handler(req, res);
    const { method } = req;
    const accept = req.headers.accept;
    const answer = answerType(accept);
    const refuse = (status: number, message: string, headers: Record<string, string> = {}) => {
      const r = refusal(message, { code: 'BAD_REQUEST' }, requestIdOf(res), accept);
      refuseUnread(req, res, status, { body: r.body, headers: { ...r.headers, ...headers } });
    };
    if (method !== 'GET' && method !== 'POST') return refuse(405, `${method} is not allowed here: send GraphQL by POST (or a query by GET)`, { allow: ALLOW });
    if (method === 'POST') {
      const type = bodyType(req.headers['content-type']);
      if (type === null || !BODY_TYPES.has(type)) {
        return refuse(415, 'send the request as application/json (or a GraphQL document as application/graphql), in UTF-8');
      }
      req.headers['content-type'] = type;
    }
    if (answer === null) return refuse(406, `answers come as ${GRAPHQL_RESPONSE} or ${JSON_TYPE}, in UTF-8: accept one of them`);
    req.headers.accept = answer;
    handler(req, res);
  };
}
