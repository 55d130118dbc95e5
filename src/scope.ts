import type { Context as TraceContext } from '@opentelemetry/api';
import type { CancelGroup } from './http/cancel-group.js';
import type { Logger } from './logger.js';

/** Per-request facts every resolver and adapter may rely on. */
export interface RequestScope {
  readonly requestId: string;
  /** Fixed at request start so a list and its status filter agree. */
  readonly now: Date;
  /** Aborts when the client goes away (unless `outliveClient` was called) or the request deadline passes. */
  readonly signal: AbortSignal | undefined;
  /** The same as `signal`, for upstream exchanges: cheaper per member (see CancelGroup). */
  readonly cancellation?: CancelGroup | undefined;
  /** Epoch ms by which the request must answer (config `requestTimeoutMs`). */
  readonly deadline: number;
  /** Name of the authenticated caller; null when auth is off. */
  readonly caller: string | null;
  /** Who a write is recorded as upstream (vault `operator`): the caller, else the service name. */
  readonly operator: string;
  readonly logger: Logger;
  /**
   * Told the status of every upstream call made for this request while set: the audit record of a
   * mutation learns what the vendor answered. Mutations run one at a time, so one slot per request
   * is enough (an AsyncLocalStorage would slow every promise of the process once used).
   */
  observeUpstream?: ((status: number | string) => void) | undefined;
  /**
   * From now on only the deadline cancels this request's upstream calls, not the client going away:
   * a change once begun runs to its end, so its outcome is known (and kept for an idempotency key's
   * retry) instead of cut off into an unknown one.
   */
  outliveClient?(): void;
  /** The GraphQL operation's span, parent of the upstream calls' spans (only when tracing is on). */
  traceContext?: TraceContext | undefined;
}
