import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { refusal } from './refusal.js';
import { requestIdFrom } from './request-scope.js';

export interface BodyLimits {
  /** Larger bodies are refused with 413: at once by their Content-Length, or as they arrive. */
  maxBytes: number;
  /** A body not received in full within this is refused with 408. */
  timeoutMs: number;
  /** Bodies held at once (read, or waiting for admission); past it, 503 OVERLOADED. */
  maxHeldBytes: number;
}

/**
 * Reads a request's whole body before anything else runs, then hands it to `handler` (Yoga takes
 * it from `req.body`, as it does from a framework's body parser). A client that sends its body
 * slowly then holds a socket and a timer, not one of the admission slots every caller shares; and
 * a chunked body (no Content-Length) is counted as it arrives without being lost to Yoga.
 */
export function withBody(limits: BodyLimits, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  let held = 0;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' || req.method === 'HEAD') return handler(req, res);
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const refuse = (status: number, message: string, code = 'BAD_REQUEST', headers: Record<string, string> = {}) => {
      if (res.headersSent) return;
      const answer = refusal(message, { code }, requestId);
      res.writeHead(status, { ...answer.headers, ...headers, connection: 'close' });
      // The rest of the body is not read: the connection closes once the answer is out.
      res.end(answer.body, () => req.destroy());
    };
    const declared = req.headers['content-length'] === undefined ? 0 : Number(req.headers['content-length']);
    if (declared > limits.maxBytes) return refuse(413, `request body over ${limits.maxBytes} bytes`);
    if (held + declared > limits.maxHeldBytes) return refuse(503, 'the gateway is overloaded; retry shortly', 'OVERLOADED', { 'retry-after': '1' });

    const chunks: Buffer[] = [];
    let seen = 0;
    let holding = 0;
    const hold = (bytes: number) => {
      holding += bytes;
      held += bytes;
    };
    const release = () => {
      held -= holding;
      holding = 0;
    };
    const stop = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limits.maxBytes) {
        stop();
        release();
        return refuse(413, `request body over ${limits.maxBytes} bytes`);
      }
      chunks.push(chunk);
      hold(chunk.length);
    };
    const onEnd = () => {
      stop();
      // Held until the answer is out: the body lives as long as its request.
      res.once('close', release);
      (req as IncomingMessage & { body?: unknown }).body = Readable.from(chunks);
      handler(req, res);
    };
    const onGone = () => {
      stop();
      release();
    };
    const timer = setTimeout(() => {
      stop();
      release();
      refuse(408, `request body not received within ${limits.timeoutMs} ms`);
    }, limits.timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onGone);
  };
}
