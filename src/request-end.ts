import type { ServerResponse } from 'node:http';

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
