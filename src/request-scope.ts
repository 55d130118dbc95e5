import type { Caller } from './auth/grants.js';
import type { RequestScope } from './context.js';
import { CancelGroup } from './http/cancel-group.js';
import type { Logger } from './logger.js';

export interface ScopeOptions {
  requestId: string;
  caller: Caller;
  /** Aborts when the client goes away. */
  clientSignal: AbortSignal;
  timeoutMs: number;
  logger: Logger;
  serviceName: string;
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
  private group: CancelGroup | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  private child: Logger | undefined = undefined;
  private released = false;

  constructor(private readonly o: ScopeOptions) {
    this.requestId = o.requestId;
    this.deadline = Date.now() + o.timeoutMs;
    this.caller = o.caller.via === 'none' ? null : o.caller.name;
    this.operator = o.caller.via === 'none' ? o.serviceName : o.caller.name;
  }

  /** Cancels upstream calls when the client goes away or the deadline passes, whichever first. */
  get cancellation(): CancelGroup {
    if (!this.group) {
      const group = (this.group = new CancelGroup());
      const client = this.o.clientSignal;
      if (client.aborted) group.cancel(client.reason);
      else if (!this.released) {
        client.addEventListener('abort', this.onClientGone, { once: true });
        this.timer = setTimeout(this.onDeadline, Math.max(0, this.deadline - Date.now()));
      }
    }
    return this.group;
  }

  get signal(): AbortSignal {
    return this.cancellation.toSignal();
  }

  get logger(): Logger {
    return (this.child ??= this.o.logger.child({ requestId: this.requestId }));
  }

  /** The response is out: neither the deadline nor the client cancels anything any more. */
  release(): void {
    this.released = true;
    if (!this.group) return;
    clearTimeout(this.timer);
    this.o.clientSignal.removeEventListener('abort', this.onClientGone);
  }

  private readonly onClientGone = () => this.stop(this.o.clientSignal.reason);
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
