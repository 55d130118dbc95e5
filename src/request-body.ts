import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { overloaded, refusal, refuseUnread, type Refusal } from './refusal.js';
import { requestIdOf } from './observability/request-log.js';
import { closeWithConnection } from './request-end.js';

export interface BodyLimits {
  /** Larger bodies are refused with 413: at once by their Content-Length, or as they arrive. */
  maxBytes: number;
  /** A body not received in full within this is refused with 408. */
  timeoutMs: number;
  /** Bodies held at once (read, or waiting for admission); past it, 503 OVERLOADED. */
  maxHeldBytes: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * whatwg-node parses a Buffer body without a stream, but first lists its keys, one per byte
 * (~12 ns each): past this size a stream costs less.
 */
const BUFFER_UP_TO = 2_048;

/** A body being read: when it started, and how to refuse it if it takes too long. */
interface Reading {
  since: number;
  expire(): void;
}

/**
 * Reads a request's whole body before anything else runs, then hands it to `handler` in
 * `req.body`, where Yoga takes it as it does from a framework's body parser. A client that sends
 * its body slowly then holds a socket, not one of the admission slots every caller shares; a
 * chunked body (no Content-Length) is counted as it arrives without being lost to Yoga. Returns
 * the handler and `close`, which stops the sweep.
 */
export function withBody(limits: BodyLimits, handler: Handler): Handler & { close(): void } {
  let held = 0;
  // One sweep for every body in flight rather than a timer each: most bodies are in within a tick.
  const reading = new Set<Reading>();
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const r of reading) if (now - r.since >= limits.timeoutMs) r.expire();
    },
    Math.min(1_000, Math.max(10, limits.timeoutMs / 4)),
  );
  sweep.unref();

  const read = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' || req.method === 'HEAD') return handler(req, res);
    const requestId = () => requestIdOf(res);
    const refuse = (status: number, answer: Refusal) => refuseUnread(req, res, status, answer);
    const badRequest = (message: string) => refusal(message, { code: 'BAD_REQUEST' }, requestId(), req.headers.accept);
    const length = req.headers['content-length'];
    const declared = length === undefined ? 0 : Number(length);
    const tooLarge = () => refuse(413, badRequest(`request body over ${limits.maxBytes} bytes`));
    const full = () => refuse(503, overloaded(requestId(), req.headers.accept));
    if (declared > limits.maxBytes) return tooLarge();
    // A declared length is held from the start, so bodies arriving together cannot pass the cap.
    if (held + declared > limits.maxHeldBytes) return full();
    held += declared;

    const chunks: Buffer[] = [];
    let seen = 0;
    let holding = declared;
    let settled = false;
    /** Ends the read: it no longer counts toward what is held, unless `keep` (until the answer is out). */
    const settle = (keep: boolean) => {
      if (settled) return false;
      settled = true;
      reading.delete(entry);
      if (keep) {
        // Given back once the answer is out, or its connection gone (a pipelined one's too).
        closeWithConnection(res);
        res.once('close', () => (held -= holding));
      } else held -= holding;
      return true;
    };
    const entry: Reading = {
      since: Date.now(),
      expire: () => settle(false) && refuse(408, badRequest(`request body not received within ${limits.timeoutMs} ms`)),
    };
    reading.add(entry);
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      seen += chunk.length;
      if (seen > limits.maxBytes) return void (settle(false) && tooLarge());
      // Only what arrives beyond the declared length (a chunked body's all) is held anew.
      if (seen > holding) {
        held += seen - holding;
        holding = seen;
        if (held > limits.maxHeldBytes) return void (settle(false) && full());
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      // Decoded as UTF-8, bytes that are not (a Latin-1 "é") would silently become U+FFFD, and a
      // new secret sent so would be stored as one its caller does not hold. No allocation; ~40 ns a body.
      if (!isUtf8(body)) return void (settle(false) && refuse(400, badRequest('request body is not valid UTF-8')));
      settle(true);
      (req as IncomingMessage & { body?: unknown }).body = body.length <= BUFFER_UP_TO ? body : Readable.from([body]);
      handler(req, res);
    });
    // A client gone before its body was in: nothing to answer.
    req.on('close', () => settle(false));
    req.on('error', () => settle(false));
  };
  return Object.assign(read, { close: () => clearInterval(sweep) });
}
