import type { IncomingMessage, ServerResponse } from 'node:http';
import { refusal } from './refusal.js';
import { requestIdFrom } from './request-scope.js';

/** Refuses bodies over the limit before Yoga reads them. */
export function withBodyLimit(maxBytes: number, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const length = req.headers['content-length'];
    const refuse = (status: number, message: string) => {
      const { body, headers } = refusal(message, { code: 'BAD_REQUEST' }, requestIdFrom(req.headers['x-request-id']));
      res.writeHead(status, { ...headers, connection: 'close' });
      res.end(body);
      req.resume();
    };
    if (length !== undefined && Number(length) > maxBytes) return refuse(413, `request body over ${maxBytes} bytes`);
    if (length === undefined && req.headers['transfer-encoding']) {
      // Chunked bodies: count as they arrive.
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > maxBytes && !res.headersSent) {
          refuse(413, `request body over ${maxBytes} bytes`);
          req.destroy();
        }
      });
    }
    handler(req, res);
  };
}
