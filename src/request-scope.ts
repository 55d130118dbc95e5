import { randomUUID } from 'node:crypto';
import type { Context as TraceContext } from '@opentelemetry/api';
import type { ServerResponse } from 'node:http';
import type { Caller } from './auth/grants.js';
import type { RequestScope } from './scope.js';
import { CancelGroup } from './http/cancel-group.js';
import type { Logger } from './logger.js';
import { closeWithConnection } from './request-end.js';

/** The caller's `X-Request-Id` when it is a sane token (it goes into logs), else a fresh one. */
export function requestIdFrom(header: string | string[] | null | undefined): string {
  return typeof header === 'string' && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
}

/**
 * Watches for the client that sent the request going away: calls `listener` with the reason (at
 * once if it already has), and returns what stops watching.
 */
export type ClientWatch = (listener: (reason: unknown) => void) => () => void;

/** The client is gone when `signal` aborts (a request served through `fetch`, e.g. in tests). */
export function watchSignal(signal: AbortSignal): ClientWatch {
  return (listener) => {
    if (signal.aborted) {
      listener(signal.reason);
      return () => {};
    }
    const onAbort = () => listener(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  };
}

/**
 * The client is gone when the Node response closes before it was released. Cheaper than the
 * signal whatwg-node gives the Request: that is an EventTarget behind a Proxy whose traps convert
 * every property key to a string, and Node's add/removeEventListener read a dozen internal keys
 * (bench/README.md, fifth round). A response that closes after release (the normal end of every
 * request) is no longer watched.
 */
export function watchResponse(res: ServerResponse): ClientWatch {
  return (listener) => {
    const onClose = () => listener(new DOMException('The client went away', 'AbortError'));
    // A pipelined response still waiting for the socket closes only through this.
    closeWithConnection(res);
    if (res.destroyed) {
      onClose();
      return () => {};
    }
    res.once('close', onClose);
    return () => res.removeListener('close', onClose);
  };
}

export interface ScopeOptions {
  requestId: string;
  caller: Caller;
  /** Tells when the client goes away. */
  client: ClientWatch;
  timeoutMs: number;
  logger: Logger;
  serviceName: string;
  /**
   * Keeps the request counted as running after its response closes, until the returned function
   * is called (see request-end.ts): taken by `outliveClient`, given back at release.
   */
  hold?: () => () => void;
  /** Where the scope is listed once it outlives its client, until release, so a shutdown can cut it off (see LiveScopes). */
  live?: LiveScopes;
}

/**
 * The scopes that outlive their client (mutations), from outliveClient to release. A shutdown whose
 * grace has run out cuts them off before it closes the vendor connections: closing a client's
 * connection stops every other request, but not these, which would run on past close() and write
 * their idempotency record and audit line to a closed store. Only they are listed: a registry of
 * every request measured as ~45% more CPU per `node` read (bench/README, a seventeenth round).
 */
export class LiveScopes {
  private readonly scopes = new Set<Scope>();

  /** @internal Scope registers itself. */
  add(scope: Scope): void {
    this.scopes.add(scope);
  }

  /** @internal */
  delete(scope: Scope): void {
    this.scopes.delete(scope);
  }

  get size(): number {
    return this.scopes.size;
  }

  /** Cancels every listed scope with `reason` (outliveClient spares it only its client leaving). */
  cutOff(reason: unknown): void {
    for (const scope of this.scopes) scope.cutOff(reason);
  }
}

/**
 * One GraphQL request's scope. What costs something is built on first use: the cancellation (with
 * the deadline timer and the client-gone listener) when the first upstream call starts, an
 * AbortSignal only when something asks for one (retries, waits), the child logger when the first
 * line is logged. A request that calls no vendor (`{ __typename }`, an idempotent replay) pays for
 * none of them. A class rather than an object literal with getters, which V8 builds slowly.
 */
class Scope implements RequestScope {
  readonly requestId: string;
  readonly now = new Date();
  readonly deadline: number;
  readonly caller: string | null;
  readonly operator: string;
  observeUpstream: ((status: number | string) => void) | undefined = undefined;
  traceContext: TraceContext | undefined = undefined;
  private group: CancelGroup | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  private child: Logger | undefined = undefined;
  private unwatch: (() => void) | undefined = undefined;
  private released = false;
  private outlivesClient = false;
  private unhold: (() => void) | undefined = undefined;
  /** Why it was cut off (LiveScopes.cutOff), before or after its first call. */
  private cut: { reason: unknown } | undefined = undefined;

  constructor(private readonly o: ScopeOptions) {
    this.requestId = o.requestId;
    this.deadline = Date.now() + o.timeoutMs;
    this.caller = o.caller.via === 'none' ? null : o.caller.name;
    this.operator = o.caller.via === 'none' ? o.serviceName : o.caller.name;
  }

  /** Cancels upstream calls when the client goes away or the deadline passes, whichever first. */
  get cancellation(): CancelGroup {
    if (this.group) return this.group;
    this.group = new CancelGroup();
    if (this.released) return this.group;
    const left = this.deadline - Date.now();
    // Cut off before its first call: nothing of it is sent.
    if (this.cut) this.group.cancel(this.cut.reason);
    // Out of time before its first call (its body and its wait took it all): cancelled at once,
    // so nothing is sent, rather than by a timer that fires once the call is on the wire.
    else if (left <= 0) this.onDeadline();
    else {
      this.timer = setTimeout(this.onDeadline, left);
      this.unwatch = this.o.client(this.onClientGone);
    }
    return this.group;
  }

  get signal(): AbortSignal {
    return this.cancellation.toSignal();
  }

  get logger(): Logger {
    return (this.child ??= this.o.logger.child({ requestId: this.requestId }));
  }

  outliveClient(): void {
    if (this.outlivesClient || this.released) return;
    this.outlivesClient = true;
    // Still running for shutdown's drain and for admission, whether or not the client stays.
    this.unhold = this.o.hold?.();
    this.o.live?.add(this);
  }

  /** The response is out: neither the deadline nor the client cancels anything any more. */
  release(): void {
    this.released = true;
    if (this.outlivesClient) this.o.live?.delete(this);
    this.unhold?.();
    if (!this.group) return;
    clearTimeout(this.timer);
    this.unwatch?.();
  }

  /** Cancels what it runs upstream now, and what it would start later, whoever its client is. */
  cutOff(reason: unknown): void {
    if (this.released || this.cut) return;
    this.cut = { reason };
    if (this.group) this.stop(reason);
  }

  private readonly onClientGone = (reason: unknown) => {
    if (!this.outlivesClient) this.stop(reason);
  };
  private readonly onDeadline = () => this.stop(new DOMException('The request deadline passed', 'TimeoutError'));

  private stop(reason: unknown): void {
    clearTimeout(this.timer);
    this.group!.cancel(reason);
  }
}

/** One request's scope and the function that ends it (call it once the response is sent). */
export function createRequestScope(o: ScopeOptions): { scope: RequestScope; release: () => void } {
  const scope = new Scope(o);
  return { scope, release: () => scope.release() };
}
