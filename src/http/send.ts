import type { Dispatcher } from 'undici';
import type { Cancellable, CancelGroup } from './cancel-group.js';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/**
 * A vendor's answer. Its headers stay as undici read them (name, value, name, value, … as bytes)
 * until something asks: only error answers are ever asked (Retry-After), and turning every
 * answer's headers into strings was a measurable share of each call (bench/README.md, tenth round).
 */
export class RawResponse {
  private parsed: ResponseHeaders | undefined;

  constructor(
    readonly status: number,
    private readonly rawHeaders: readonly Buffer[],
    readonly text: string,
    /**
     * Set when the body ran past the client's byte limit (config `http.maxResponseBytes`): it was
     * cut off and dropped (`text` is empty), while the status and headers still say what the vendor
     * did — a 2xx to a write was applied, a 503 is the vendor failing.
     */
    readonly cutAt?: number,
  ) {}

  /** Header names in lower case; a repeated header's values as an array. */
  get headers(): ResponseHeaders {
    return (this.parsed ??= parseHeaders(this.rawHeaders));
  }
}

function parseHeaders(raw: readonly Buffer[]): ResponseHeaders {
  // No prototype: a vendor's header named `constructor` or `__proto__` is a header like any other.
  const headers: ResponseHeaders = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const seen = headers[name];
    if (seen === undefined) headers[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else headers[name] = [seen, value];
  }
  return headers;
}

type SendOptions = Pick<Dispatcher.DispatchOptions, 'method' | 'path' | 'headers' | 'body'>;

/**
 * An exchange stopped by its cancel group. `reason` is the group's (a deadline's TimeoutError, the
 * client going away); `sent` says whether the request had been handed to a socket, so the vendor
 * may have received it (and, for a write, applied it).
 */
export class CancelledExchange extends Error {
  override readonly name = 'AbortError';

  constructor(
    readonly reason: unknown,
    readonly sent: boolean,
  ) {
    super(sent ? 'exchange cancelled after the request was sent' : 'exchange cancelled before the request was sent');
  }
}

/**
 * An exchange that failed before undici handed it to a socket (connecting, the TLS handshake, a
 * closed pool): the vendor never saw it. `code` is the failure's own, as undici or Node named it.
 */
export class UnsentExchange extends Error {
  readonly code: string;

  constructor(cause: unknown) {
    const code = (cause as { code?: unknown } | null)?.code;
    super('exchange failed before the request was sent', { cause });
    this.code = typeof code === 'string' ? code : ((cause as Error | null)?.name ?? 'Error');
  }
}

/**
 * One HTTP exchange over an undici dispatcher, the whole body read as text. It is undici's
 * `dispatch` with a minimal handler rather than `request()`, which wraps every response in a
 * Readable stream and an AsyncResource: a quarter of an upstream call's CPU, for bodies that are
 * read whole anyway. Cancelling `group` aborts the exchange at any point, also while it waits in
 * the pool's queue (then it fails at once rather than when a socket frees up), with a
 * CancelledExchange. A failure before the request reached a socket rejects with an UnsentExchange,
 * any later one with undici's error. A body longer than `maxBytes` is cut off: the answer resolves
 * with its status, its headers and `cutAt`.
 *
 * The handler speaks the hooks undici 7's connections call (`onConnect`, `onHeaders`, …), which
 * its types mark deprecated. A handler with the newer `onRequestStart`/`onResponse*` hooks is
 * wrapped, per exchange, in an adapter that also turns every header into a string: 2–4% of a
 * one-GET query's CPU (bench/README.md, tenth round). undici 8 (Node ≥ 22) drops the old hooks
 * and calls the new ones directly; moving to it means renaming these five methods back.
 */
export function send(dispatcher: Dispatcher, options: SendOptions, group?: CancelGroup, maxBytes = Infinity): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const handler = new BufferingHandler(resolve, reject, group, maxBytes);
    if (group && !group.add(handler)) return reject(new CancelledExchange(group.reason, false));
    dispatcher.dispatch(options, handler);
  });
}

class BufferingHandler implements Dispatcher.DispatchHandler, Cancellable {
  /** Set by undici as it writes the request to a socket; null while queued. */
  private abort: ((reason?: Error) => void) | null = null;
  private status = 0;
  private rawHeaders: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private received = 0;
  /** Set once the promise is settled; a later abort or error has nothing left to report. */
  private done = false;

  constructor(
    private readonly resolve: (r: RawResponse) => void,
    private readonly reject: (err: unknown) => void,
    private readonly group: CancelGroup | undefined,
    private readonly maxBytes: number,
  ) {}

  cancel(reason: unknown): void {
    // Settled first: aborting makes undici report the abort (onError) at once.
    this.fail(new CancelledExchange(reason, this.abort !== null));
    this.abort?.(reason as Error);
  }

  /** undici calls it as it writes the request to a socket: from here on the vendor may see it. */
  onConnect(abort: (reason?: Error) => void): void {
    this.abort = abort;
    // Cancelled while queued: the caller has its answer already; free the slot without sending.
    if (this.done) abort(this.group?.reason as Error);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx informational answers come before the real one.
    if (statusCode >= 200) {
      this.status = statusCode;
      this.rawHeaders = rawHeaders;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.received += chunk.length;
    if (this.received > this.maxBytes) {
      // Held whole, an endless answer would take the process's memory; past V8's longest string it
      // could not even be read. Settled before the abort, which makes undici report an error.
      this.finish();
      this.resolve(new RawResponse(this.status, this.rawHeaders, '', this.maxBytes));
      this.chunks.length = 0;
      this.abort?.(new Error(`answer over ${this.maxBytes} bytes`));
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.done) return;
    const { chunks } = this;
    let text: string;
    try {
      text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      // Settled either way: a call whose answer cannot be read must not wait for its deadline.
      return this.fail(err);
    }
    this.finish();
    this.resolve(new RawResponse(this.status, this.rawHeaders, text));
  }

  onError(error: Error): void {
    // No onConnect yet: undici never began writing the request (it calls onConnect just before).
    this.fail(this.abort === null ? new UnsentExchange(error) : error);
  }

  private fail(error: unknown): void {
    if (this.done) return;
    this.finish();
    this.reject(error);
  }

  private finish(): void {
    this.done = true;
    this.group?.delete(this);
  }
}
