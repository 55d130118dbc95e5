import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerType, contentTypeOf, JSON_TYPE } from './media-type.js';

export interface Refusal {
  body: string;
  headers: Record<string, string>;
}

/**
 * An answer refused before GraphQL runs (no credentials, a body too large, the gateway overloaded,
 * a caller over its budget): one error shaped as GraphQL's, with its code and the request id, and
 * the headers every such answer carries. It is in the media type the client asked for (`accept`,
 * as GraphQL over HTTP requires), or JSON when it takes neither. Each caller adds its status and
 * own headers.
 */
export function refusal(message: string, extensions: { code: string } & Record<string, unknown>, requestId: string, accept: string | null | undefined): Refusal {
  return {
    body: JSON.stringify({ errors: [{ message, extensions: { ...extensions, requestId } }] }),
    headers: { 'content-type': contentTypeOf(answerType(accept) ?? JSON_TYPE), 'cache-control': 'no-store', 'x-request-id': requestId },
  };
}

/** The 503 of a gateway with no room for the request now (admission's queue, the bodies held): retry in a second. */
export function overloaded(requestId: string, accept: string | undefined): Refusal {
  const { body, headers } = refusal('the gateway is overloaded; retry shortly', { code: 'OVERLOADED' }, requestId, accept);
  return { body, headers: { ...headers, 'retry-after': '1' } };
}

/**
 * Sends a refusal to a request whose body is not read: the connection closes once the answer is
 * out, rather than reading on what the client may still be sending. A GET or HEAD has no body to
 * leave unread, so its connection stays open for what is pipelined behind it.
 */
export function refuseUnread(req: IncomingMessage, res: ServerResponse, status: number, answer: Refusal): void {
  if (res.headersSent) return;
  if (req.method === 'GET' || req.method === 'HEAD') {
    res.writeHead(status, answer.headers);
    res.end(answer.body);
    return;
  }
  res.writeHead(status, { ...answer.headers, connection: 'close' });
  res.end(answer.body, () => req.destroy());
}
