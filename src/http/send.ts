import type { Dispatcher } from 'undici';
import type { Cancellable, CancelGroup } from './cancel-group.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
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
 * One HTTP exchange over an undici dispatcher, the whole body read as text. It is undici's
 * `dispatch` with a minimal handler rather than `request()`, which wraps every response in a
 * Readable stream and an AsyncResource: a quarter of an upstream call's CPU, for bodies that are
 * read whole anyway. Cancelling `group` aborts the exchange at any point, also while it waits in
 * the pool's queue (then it fails at once rather than when a socket frees up), with a
 * CancelledExchange.
 */
export function send(dispatcher: Dispatcher, options: SendOptions, group?: CancelGroup): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const handler = new BufferingHandler(resolve, reject, group);
    if (group && !group.add(handler)) return reject(new CancelledExchange(group.reason, false));
    dispatcher.dispatch(options, handler);
  });
}

class BufferingHandler implements Dispatcher.DispatchHandler, Cancellable {
  private controller: Dispatcher.DispatchController | null = null;
  private status = 0;
  private headers: RawResponse['headers'] = {};
  private readonly chunks: Buffer[] = [];
  /** Set once the promise is settled; a later abort or error has nothing left to report. */
  private done = false;
  private cancelledWith: unknown = undefined;

  constructor(
    private readonly resolve: (r: RawResponse) => void,
    private readonly reject: (err: unknown) => void,
    private readonly group: CancelGroup | undefined,
  ) {}

  cancel(reason: unknown): void {
    this.cancelledWith = reason;
    // Settled first: aborting makes undici report the abort (onResponseError) at once.
    this.fail(new CancelledExchange(reason, this.controller !== null));
    this.controller?.abort(reason as Error);
  }

  /** undici calls it as it writes the request to a socket: from here on the vendor may see it. */
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Cancelled while queued: the caller has its answer already; free the slot without sending.
    if (this.done) controller.abort(this.cancelledWith as Error);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: RawResponse['headers']): void {
    // 1xx informational answers come before the real one.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.done) return;
    this.finish();
    const { chunks } = this;
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.resolve({ status: this.status, headers: this.headers, text });
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
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
