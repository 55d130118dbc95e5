import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * When a request is over for the gateway: its response has closed (answered, or its client gone)
 * and nothing it started still runs. A mutation outlives a client that hangs up (see
 * `RequestScope.outliveClient`), so the response's own 'close' comes too early for what counts
 * running requests: shutdown's drain, admission's slots, the request log. They listen here instead.
 */
const REQUEST_END = 'request-end';
const TRACKED = Symbol('request end tracked');

/** Work still running for a request, by response (only mutations ever hold one), and whether its response closed meanwhile. */
const holds = new WeakMap<ServerResponse, { count: number; closed: boolean }>();

type Tracked = ServerResponse & { [TRACKED]?: true };

// Shared, with the response as `this`: no closure per request.
function endUnlessHeld(this: ServerResponse): void {
  const held = holds.get(this);
  if (held) held.closed = true;
  else this.emit(REQUEST_END);
}

/** Calls `listener` (with the response as `this`) once the request is over. */
export function onRequestEnd(res: ServerResponse, listener: (this: ServerResponse) => void): void {
  const tracked = res as Tracked;
  if (!tracked[TRACKED]) {
    tracked[TRACKED] = true;
    closeWithConnection(res);
    res.once('close', endUnlessHeld);
  }
  res.once(REQUEST_END, listener);
}

/** Keeps the request running past its response's close until the returned function is called. */
export function holdRequest(res: ServerResponse): () => void {
  let held = holds.get(res);
  if (!held) holds.set(res, (held = { count: 0, closed: false }));
  held.count++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--held.count > 0) return;
    holds.delete(res);
    // Closed while held: the end was put off until now.
    if (held.closed) res.emit(REQUEST_END);
  };
}

/** Node's own flag (emitCloseNT): set once a response has emitted 'close'. */
type Closable = ServerResponse & { _closed: boolean };

/** Per connection, its responses still waiting for the socket (see closeWithConnection). */
const queuedOn = new WeakMap<Socket, Set<Closable>>();

/**
 * Makes sure `res` closes when its connection does. With HTTP/1.1 pipelining, Node (20) gives a
 * response the socket only once the one before it is out, and only then listens for the socket's
 * close: a response still queued when the client hangs up never closes, and whatever waits for
 * its 'close' waits for good. Such a response is closed here with its connection, as Node closes
 * one that has the socket. Idempotent; a response that has its socket (all but pipelined ones)
 * costs one check.
 */
export function closeWithConnection(res: ServerResponse): void {
  const r = res as Closable;
  if (r.socket || r._closed || r.writableFinished) return;
  const socket = r.req?.socket;
  if (!socket) return;
  // Its connection already closed (no 'close' to come): close it as that would have.
  if (socket.closed) return void process.nextTick(closeQueued, r);
  let queued = queuedOn.get(socket);
  if (!queued) {
    const all = (queued = new Set());
    queuedOn.set(socket, all);
    socket.once('close', () => {
      queuedOn.delete(socket);
      all.forEach(closeQueued);
    });
  }
  if (queued.has(r)) return;
  queued.add(r);
  // Given the socket: Node's own close handling takes over.
  r.once('socket', assigned);
}

function assigned(this: Closable, socket: Socket): void {
  queuedOn.get(socket)?.delete(this);
}

/** What Node does for a response whose socket closes (emitCloseNT). */
function closeQueued(res: Closable): void {
  if (res._closed) return;
  res.destroyed = true;
  res._closed = true;
  res.emit('close');
}
