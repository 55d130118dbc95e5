import { SpanKind, SpanStatusCode, type Context as TraceContext, type Tracer } from '@opentelemetry/api';
import { Pool } from 'undici';
import type { z } from 'zod';
import type { Vendor } from '../domain/vendor.js';
import {
  answeredWith,
  MAYBE_APPLIED,
  NotFoundError,
  RateLimitedError,
  UpstreamError,
  ValidationError,
  type UpstreamSource,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { upstreamRecorder, type Metrics } from '../observability/metrics.js';
import { CircuitBreaker, PROBE, type BreakerSettings } from '../resilience/breaker.js';
import { RetryBudget } from '../resilience/retry-budget.js';
import { isRetryable, retryDelayMs, retrySettings, sleep, type RetryOptions, type RetrySettings } from '../resilience/retry.js';
import { RateBudgets, type Rate } from '../store/rate-budgets.js';
import type { SharedStore } from '../store/store.js';
import { cut, wellFormed } from '../text.js';
import { Limiter } from './limiter.js';
import { CancelGroup } from './cancel-group.js';
import { buildPath, buildQuery, type QueryValue } from './path.js';
import { redact } from './redact.js';
import { retryAfterSeconds } from './retry-after.js';
import { CancelledExchange, send, UnsentExchange, type RawResponse, type ResponseHeaders } from './send.js';
import type { TokenCache } from './tokens.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpClientOptions {
  vendor: Vendor;
  account: string;
  baseUrl: string;
  logger: Logger;
  /** Bearer token source for API calls; absent for vendors with static headers. */
  tokens?: TokenCache | undefined;
  /** Static headers on every call (e.g. a vault's static bearer token). */
  headers?: Record<string, string> | undefined;
  /** Pulls the human message out of the vendor's own error body format. */
  errorMessage: (body: unknown) => string | undefined;
  /** The account's secrets from the config: cut from every vendor message, as is the bearer token sent. */
  secrets?: readonly string[];
  connections?: number;
  concurrency?: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** How long a call serving no GraphQL request (a token fetch) may take, retries included (default 30 s). */
  unscopedTimeoutMs?: number;
  /** Longer answers are cut off and reported as the vendor's failure (default 16 MB). */
  maxResponseBytes?: number;
  retry?: RetryOptions;
  breaker?: BreakerSettings;
  /** Client-side budget for this account; null = none. Shared across replicas through `store`. */
  rateLimit?: Rate | null;
  store?: SharedStore;
  metrics?: Metrics;
  tracer?: Tracer;
}

/** What a call needs from the GraphQL request it serves (RequestScope satisfies it). */
export interface CallScope {
  readonly signal?: AbortSignal | undefined;
  /** Cancels the exchange with `signal`, at less cost per call; used in its place when present. */
  readonly cancellation?: CancelGroup | undefined;
  /** Epoch ms by which the GraphQL request must answer: no wait or retry goes past it. */
  readonly deadline?: number;
  /** The GraphQL request's id, written on every upstream call's log line. */
  readonly requestId?: string;
  /** Told each attempt's status (see RequestScope.observeUpstream). */
  readonly observeUpstream?: ((status: number | string) => void) | undefined;
  /** The span of the GraphQL operation the call serves, its parent in a trace. */
  readonly traceContext?: TraceContext | undefined;
}

export interface UpstreamRequest<S extends z.ZodType> {
  method: HttpMethod;
  /** Route template, e.g. `/api/v2/clients/{client_id}`; it is also what gets logged. */
  route: string;
  params?: Record<string, string>;
  query?: Record<string, QueryValue>;
  json?: unknown;
  form?: Record<string, string>;
  /** A form body built anew for every attempt (e.g. a signed assertion with a one-time nonce). */
  freshForm?: () => Promise<Record<string, string>>;
  headers?: Record<string, string>;
  /** `false` for calls that carry their own credentials (token endpoints). */
  auth?: boolean;
  schema: S;
  scope?: CallScope | undefined;
  /** What the caller was looking for, for a 404 message. */
  resource?: string;
  /**
   * Whether repeating the call is harmless. Defaults: GET/PUT/DELETE yes, POST/PATCH no. A PATCH
   * that sets absolute values, or a token request, may say yes. Only idempotent calls are retried;
   * a failed non-idempotent call reports outcomeUnknown.
   */
  idempotent?: boolean;
  /** Extra fields for this call's log line, e.g. a vendor correlation id (never secrets). */
  log?: Record<string, string | number>;
  /** Values this call must never let into an error (a secret being written): cut from vendor messages, with the account's secrets. */
  redact?: readonly string[];
  /**
   * Called when an attempt of a change went out and no answer came (cut off, connection lost): the
   * vendor may still apply it later, even after a retry has answered. See `withLock`.
   */
  onUnanswered?: () => void;
}

/**
 * The deadline of a call no GraphQL request's deadline bounds: a token fetch, shared by its callers,
 * each of which waits for it only until its own. As long as the default request timeout.
 */
const DEFAULT_UNSCOPED_TIMEOUT_MS = 30_000;

/** Far above any page a vendor sends (100 items, tens of kB), far below what would strain memory. */
const DEFAULT_MAX_RESPONSE_BYTES = 16_000_000;

/**
 * The credentials an OAuth token request carries in its form (RFC 6749 `client_secret`, RFC 7523
 * `client_assertion`): a signed assertion is made per attempt, so it is in no account's secrets.
 */
const credentialFields = (form: Record<string, string> | undefined): (string | undefined)[] => (form ? [form.client_secret, form.client_assertion] : []);
const MAX_VENDOR_MESSAGE = 300;
/** After a 403, a token at least this old is replaced (and the call sent again) in case a grant came since. */
export const SCOPE_RECHECK_MS = 60_000;
const NO_RETRY: RetryOptions = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
const APPLIED_UNREADABLE = '; the change was applied, but its result could not be read — read the resource to check';
export const APPLIED_REPEATABLE = '; the change was applied, but its result could not be read — repeating it sets the same values';
/** Errors never repeated: their retries happened further down (a token fetch), or a repeat would meet the same (an answer too long). */
const exhausted = new WeakSet<object>();
/** The vendor's own say on repeating a failed call (Keycard's `x-should-retry: true|false`). */
const vendorVerdict = new WeakMap<object, boolean>();
/** Failures while getting the call's token: the call itself was never sent. */
const beforeSending = new WeakSet<object>();
/** A call on the wire cut off by its request's deadline: no answer in time, a failure for the breaker. */
const unansweredInTime = new WeakSet<object>();

/**
 * One per configured account: a keep-alive undici Pool and everything that keeps a fan-out
 * polite and a sick vendor contained — bounded concurrency, a client-side rate budget, a circuit
 * breaker, retries of idempotent calls within the request's deadline, the account's token — and
 * the mapping of vendor HTTP failures to domain errors.
 */
export class HttpClient {
  private readonly pool: Pool;
  private readonly limiter: Limiter;
  private readonly breaker: CircuitBreaker;
  readonly source: UpstreamSource;
  private readonly origin: string;
  private readonly host: string;
  private readonly port: number;
  private readonly basePath: string;
  private readonly retry: RetrySettings;
  private readonly retryBudget: RetryBudget;
  private readonly recordDuration: ReturnType<typeof upstreamRecorder> | undefined;
  /** Bound once to vendor and account: a call's line then adds only its own fields. */
  private readonly logger: Logger;
  private readonly budgets: RateBudgets | undefined;
  /** The last request whose deadline cut this account's calls off (see exchange). */
  private timedOut: CancelGroup | undefined = undefined;

  constructor(private readonly options: HttpClientOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.host = url.hostname;
    this.port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    this.basePath = url.pathname.replace(/\/$/, '');
    this.source = { vendor: options.vendor, account: options.account };
    this.logger = options.logger.child(this.source);
    this.retry = retrySettings.parse(options.retry ?? NO_RETRY);
    this.retryBudget = new RetryBudget(this.retry.budgetRatio, this.retry.budgetMinPerSecond);
    this.recordDuration = options.metrics && upstreamRecorder(options.metrics, options.vendor, options.account);
    this.budgets = options.store && new RateBudgets(options.store, this.logger);
    this.pool = new Pool(this.origin, {
      connections: options.connections ?? 32,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: options.connectTimeoutMs ?? 5_000 },
      headersTimeout: options.headersTimeoutMs ?? 15_000,
      bodyTimeout: options.bodyTimeoutMs ?? 15_000,
    });
    this.limiter = new Limiter(options.concurrency ?? 32);
    this.breaker = new CircuitBreaker(options.breaker ?? { failureThreshold: 5, cooldownMs: 30_000 }, (state) =>
      options.metrics?.breakerChanged(options.vendor, options.account, state),
    );
    options.metrics?.breakerChanged(options.vendor, options.account, 'closed');
  }

  async request<S extends z.ZodType>(req: UpstreamRequest<S>): Promise<z.output<S>> {
    // Without a deadline of its own, an answer that never ends (a body dripping in faster than
    // bodyTimeoutMs) would hold a token fetch, and with it every later caller of the account, forever.
    if (req.scope === undefined) req = { ...req, scope: ownDeadline(this.options.unscopedTimeoutMs ?? DEFAULT_UNSCOPED_TIMEOUT_MS) };
    const idempotent = req.idempotent ?? (req.method === 'GET' || req.method === 'PUT' || req.method === 'DELETE');
    this.retryBudget.called();
    for (let attempt = 0; ; attempt++) {
      const startedAt = Date.now();
      try {
        return await this.attempt(req, attempt, idempotent);
      } catch (err) {
        if (!this.mayRetry(err, attempt, idempotent)) throw err;
        // What the vendor asked for (Retry-After on a 429 or a 5xx); mayRetry passed UpstreamErrors only.
        let retryAfter = (err as UpstreamError).retryAfter;
        if (req.auth === false && retryAfter !== null) {
          // A token request is shared by every caller, and its own deadline is longer than theirs. A
          // rate limit's wait is left to each caller's own retries, each within its own deadline (the
          // TokenCache refuses new fetches until then); a failure's wait is kept here, but short.
          if (err instanceof RateLimitedError) throw err;
          retryAfter = Math.min(retryAfter, this.retry.maxDelayMs / 1000);
        }
        const delay = retryDelayMs(attempt, retryAfter, this.retry);
        const deadline = req.scope?.deadline;
        // A retry that the GraphQL request's deadline would cut off before it could take as long as
        // the failed attempt took helps no one, and would hide the vendor's failure behind a
        // timeout: report the failure now.
        const now = Date.now();
        if (deadline !== undefined && now + delay + (now - startedAt) >= deadline) throw err;
        if (!this.retryBudget.takeRetry()) {
          this.options.metrics?.retriesRefused.inc({ vendor: this.source.vendor, account: this.source.account });
          throw err;
        }
        await sleep(delay, req.scope?.signal).catch(() => {
          throw err;
        });
        // Counted once the wait is over: a request cancelled during it repeats nothing.
        this.options.metrics?.retries.inc({ vendor: this.source.vendor, account: this.source.account });
      }
    }
  }

  /**
   * Called at shutdown, once the requests in flight have finished or been cut off: what still runs
   * upstream (a background token fetch) serves nobody, and must not hold the process past its grace.
   */
  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private mayRetry(err: unknown, attempt: number, idempotent: boolean): boolean {
    if (attempt + 1 >= this.retry.maxAttempts || exhausted.has(err as object)) return false;
    if (!(err instanceof UpstreamError) || err.cancelled || err.circuitOpen) return false;
    // A call that failed while getting its token was never sent: repeating it is safe for any method.
    return isRetryable(err.status, idempotent || beforeSending.has(err), vendorVerdict.get(err));
  }

  /** One try: token, breaker, rate budget, a concurrency slot, the exchange, and its verdict. */
  private async attempt<S extends z.ZodType>(req: UpstreamRequest<S>, attempt: number, idempotent: boolean): Promise<z.output<S>> {
    const useAuth = req.auth !== false && this.options.tokens !== undefined;
    // The token comes first, outside any slot: a token fetch needs a slot of its own.
    let token = useAuth ? (this.options.tokens!.peek() ?? (await this.token(req.scope))) : undefined;

    const wait = this.breaker.admit();
    if (wait > 0) throw this.circuitOpen(req, attempt, wait);
    let call: BreakerTicket = { probe: wait === PROBE, judged: false };
    let verdict: 'success' | 'failure' | 'neutral' = 'neutral';
    try {
      if (this.options.rateLimit) await this.waitForBudget(req.scope);
      if (req.freshForm) req = { ...req, form: await req.freshForm() };
      let res = await this.exchange(req, token, attempt, idempotent, call);
      if ((res.status === 401 || res.status === 403) && token !== undefined) {
        // The vendor answered, so it is up: that is this call's verdict so far, given now. A newer
        // token is a call of its own through this breaker, which a half-open breaker would refuse
        // while this call, its probe, is still out (and the refusal would re-open it).
        if (!call.judged) this.breaker.success(call.probe);
        call = { probe: false, judged: false };
      }
      if (res.status === 401 && token !== undefined) {
        // A 401 applied nothing, so one retry with a fresh token is always safe.
        this.options.tokens!.invalidate(token);
        token = await this.token(req.scope);
        res = await this.exchange(req, token, attempt, idempotent, call);
      } else if (res.status === 403 && token !== undefined) {
        // Nor did a 403; a grant made since the token was issued reaches the vendor only in a new one.
        const newer = await this.untilCancelled(req.scope, this.options.tokens!.newerThan(token, SCOPE_RECHECK_MS));
        if (newer !== null) {
          token = newer;
          res = await this.exchange(req, token, attempt, idempotent, call);
        }
      }
      verdict = res.status >= 500 ? 'failure' : res.status === 429 ? 'neutral' : 'success';
      if (res.cutAt !== undefined && res.status >= 200 && res.status < 300) throw this.cutOff(req, res.status, res.cutAt, idempotent);
      if (res.status >= 200 && res.status < 300) return this.parse(req, res.status, res.text, idempotent);
      throw this.toError(res, req, idempotent, token);
    } catch (err) {
      // A call the breaker stopped before sending says nothing new about the vendor; a token
      // fetch's failure was counted by the fetch itself, a call of its own.
      if (err instanceof UpstreamError && err.status === null && !err.circuitOpen && (!err.cancelled || unansweredInTime.has(err)) && !beforeSending.has(err)) verdict = 'failure';
      throw err;
    } finally {
      if (!call.judged) this.breaker[verdict](call.probe);
    }
  }

  /**
   * The account's token. Its fetch is shared by every caller (and carries no request's deadline),
   * so each caller waits for it only until its own request is cancelled or out of time: a slow
   * token endpoint, or one that asks for a long Retry-After, cannot hold a query past its deadline.
   */
  private async token(scope: CallScope | undefined): Promise<string> {
    try {
      return await this.untilCancelled(scope, this.options.tokens!.get());
    } catch (err) {
      if (err && typeof err === 'object') {
        beforeSending.add(err);
        // Retried already, by the token request itself; but a wait the vendor asked for is left to
        // each caller (see request()).
        if (!(err instanceof RateLimitedError && err.retryAfter !== null)) exhausted.add(err);
      }
      throw err;
    }
  }

  /** `pending`, or the call's cancellation if that comes first. */
  private untilCancelled<T>(scope: CallScope | undefined, pending: Promise<T>): Promise<T> {
    const signal = scope?.signal;
    if (!signal) return pending;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.cancelled(signal.reason));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Client-side rate budget: queue for a slot, unless the wait would outlast the request. */
  private async waitForBudget(scope: CallScope | undefined): Promise<void> {
    const { rateLimit } = this.options;
    if (!rateLimit || !this.budgets) return;
    // A slot the call could only use after its deadline is not taken: a refused call spends nothing.
    const maxWaitMs = scope?.deadline === undefined ? undefined : scope.deadline - Date.now();
    // One budget per account, shared by every replica through the store.
    const slot = await this.budgets.reserve(`rate:${this.source.vendor}:${this.source.account}`, rateLimit, maxWaitMs);
    const { waitMs } = slot;
    if (maxWaitMs !== undefined && waitMs > 0 && waitMs >= maxWaitMs) throw new RateLimitedError(this.source, Math.ceil(waitMs / 1000), 'client');
    // Only waits taken: a refused call never waited (its wait, often far past the deadline, would read as one).
    this.options.metrics?.rateLimitWait.observe({ vendor: this.source.vendor, account: this.source.account }, waitMs / 1000);
    if (waitMs <= 0) return;
    await sleep(waitMs, scope?.signal).catch(() => {
      // The call will not be made: the callers queued after it need not wait for its slot.
      void slot.giveBack();
      throw this.cancelled(scope?.signal?.reason);
    });
  }

  /**
   * Sends once in one of the account's concurrency slots and reads the whole body; transport
   * failures become UpstreamErrors. The slot is taken here rather than by wrapping the call: a free
   * slot then costs no promise or closure. A call still waiting for a slot when its request is
   * cancelled gives up the wait at once.
   */
  private async exchange(req: UpstreamRequest<z.ZodType>, token: string | undefined, attempt: number, idempotent: boolean, call: BreakerTicket): Promise<RawResponse> {
    const group = cancellationOf(req.scope);
    const queued = this.limiter.acquire(group);
    if (queued) {
      try {
        await queued;
      } catch (reason) {
        // Cancelled while waiting for a slot: nothing was sent.
        this.log(req, attempt, 'cancelled', 0);
        throw this.cancelled(reason);
      }
    }
    try {
      // The breaker admitted the call before it waited for its slot (and its rate budget): if the
      // calls ahead of it opened the breaker meanwhile, it is not sent either.
      const wait = this.breaker.stillAdmits(call.probe);
      if (wait > 0) throw this.circuitOpen(req, attempt, wait);
      const wire = this.wire(req, token);
      const started = performance.now();
      const span = this.options.tracer?.startSpan(
        `${req.method} ${req.route}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': req.method,
            'url.template': req.route,
            'server.address': this.host,
            'server.port': this.port,
            // The GraphQL request it served: its upstream calls are found by this id, as in the logs.
            ...(req.scope?.requestId ? { 'credential_gateway.request_id': req.scope.requestId } : {}),
            'credential_gateway.vendor': this.source.vendor,
            'credential_gateway.account': this.source.account,
            'http.request.resend_count': attempt,
          },
        },
        req.scope?.traceContext,
      );
      try {
        const res = await send(this.pool, wire, group, this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
        this.log(req, attempt, res.status, performance.now() - started);
        if (res.status >= 500) this.judgeFailed(call);
        span?.setAttribute('http.response.status_code', res.status);
        // A client span fails on any 4xx too (OpenTelemetry's HTTP conventions): a vendor's 401, 403 or 429 is a failed call.
        if (res.status >= 400) span?.setStatus({ code: SpanStatusCode.ERROR });
        return res;
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as Error).name;
        const aborted = err instanceof CancelledExchange || group?.cancelled === true;
        this.log(req, attempt, aborted ? 'cancelled' : code, performance.now() - started);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: aborted ? 'cancelled' : code });
        const sent = err instanceof CancelledExchange ? err.sent : !(err instanceof UnsentExchange);
        if (sent && req.method !== 'GET') req.onUnanswered?.();
        if (aborted) {
          // A write cut off once it was on the wire may have been applied: say so, as for a lost connection.
          const cancelled = this.cancelled(group?.reason, sent && !idempotent);
          // No answer within the deadline is the vendor failing (a client leaving is not). One failure
          // per request, though: a deadline cuts all its calls at once, and a healthy account's
          // fan-out, in flight when another account ran the request out of time, must not open its breaker.
          if (sent && group !== this.timedOut && byDeadline(group?.reason)) {
            this.timedOut = group;
            unansweredInTime.add(cancelled);
            this.judgeFailed(call);
          }
          throw cancelled;
        }
        this.judgeFailed(call);
        throw new UpstreamError(
          `${this.describe()} could not be reached (${code})` + (sent && !idempotent ? MAYBE_APPLIED : ''),
          this.source,
          null,
          true,
          sent && !idempotent,
        );
      } finally {
        span?.end();
      }
    } finally {
      this.limiter.release();
    }
  }

  /** What goes on the wire: method, path with query, headers (with the token) and body. */
  private wire(req: UpstreamRequest<z.ZodType>, token: string | undefined) {
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...req.headers };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    }
    return { method: req.method, path: this.basePath + buildPath(req.route, req.params) + buildQuery(req.query), headers, body };
  }

  /**
   * A failure is told to the breaker before the call's slot passes to the next in line, which then
   * finds the breaker open if this failure opened it (see stillAdmits).
   */
  private judgeFailed(call: BreakerTicket): void {
    call.judged = true;
    this.breaker.failure(call.probe);
  }

  /** Refused unsent by the open breaker, for `waitMs` more. */
  private circuitOpen(req: UpstreamRequest<z.ZodType>, attempt: number, waitMs: number): UpstreamError {
    this.log(req, attempt, 'circuit_open', 0);
    return new UpstreamError(
      `${this.describe()} is failing; calls are paused for ${Math.ceil(waitMs / 1000)}s (circuit open)`,
      this.source,
      null,
      true,
      false,
      // The pause, in retryAfter too: a client told "retry after retryAfter" would otherwise ask again at once, in vain.
      { circuitOpen: true, retryAfter: Math.ceil(waitMs / 1000) },
    );
  }

  private cancelled(reason: unknown, mayHaveApplied = false): UpstreamError {
    const timedOut = byDeadline(reason);
    return new UpstreamError(
      (timedOut ? `${this.describe()} did not answer within the request deadline` : `request to ${this.describe()} was cancelled`) +
        (mayHaveApplied ? MAYBE_APPLIED : ''),
      this.source,
      null,
      timedOut,
      mayHaveApplied,
      { cancelled: true },
    );
  }

  /**
   * One line and one histogram sample per attempt; the route template, never the raw path. The
   * request id is a field rather than a per-request child logger: building that child (its
   * bindings serialised anew each time) cost about as much as the line itself.
   */
  private log(req: UpstreamRequest<z.ZodType>, attempt: number, status: number | string, durationMs: number) {
    req.scope?.observeUpstream?.(status);
    this.recordDuration?.(req.method, req.route, status, durationMs / 1000);
    this.logger.info(
      {
        requestId: req.scope?.requestId,
        method: req.method,
        route: req.route,
        ...req.log,
        status,
        durationMs: Math.round(durationMs * 10) / 10,
        retries: attempt,
      },
      'upstream call',
    );
  }

  /**
   * The vendor's 2xx answer, parsed. An answer that cannot be read after a change (not a read, nor
   * a token request) still means the change was applied: after a rotation or a create that failure
   * is `outcomeUnknown` and not retryable, so an idempotency key keeps it and a retry cannot repeat
   * the write; after an update that sets absolute values it says so, and repeating it is harmless.
   */
  private parse<S extends z.ZodType>(req: UpstreamRequest<S>, status: number, text: string, idempotent: boolean): z.output<S> {
    let json: unknown = undefined;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        throw this.unreadable(`malformed JSON (HTTP ${status})`, req, status, idempotent, true);
      }
    }
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) {
      // Paths only: issue messages could quote upstream values.
      const where = parsed.error.issues
        .slice(0, 3)
        .map((i) => i.path.join('.') || '(root)')
        .join(', ');
      throw this.unreadable(`an unexpected response shape (HTTP ${status}) at ${where}`, req, status, idempotent, false);
    }
    return parsed.data;
  }

  /**
   * A 2xx answer cut off by http.maxResponseBytes: what the vendor did is known (a change was
   * applied), its result is not. Not repeated: the same request would bring the same answer.
   */
  private cutOff(req: UpstreamRequest<z.ZodType>, status: number, cutAt: number, idempotent: boolean): UpstreamError {
    const err = this.unreadable(`an answer over ${cutAt} bytes (HTTP ${status}; http.maxResponseBytes)`, req, status, idempotent, false);
    exhausted.add(err);
    return err;
  }

  /** A 2xx answer that cannot be read: after a change (not a read, nor a token request) the change was applied. */
  private unreadable(what: string, req: UpstreamRequest<z.ZodType>, status: number, idempotent: boolean, retryable: boolean): UpstreamError {
    const message = `${this.describe()} returned ${what}`;
    const change = req.method !== 'GET' && req.auth !== false;
    if (!change) return new UpstreamError(message, this.source, status, retryable);
    return idempotent
      ? new UpstreamError(message + APPLIED_REPEATABLE, this.source, status, true)
      : new UpstreamError(message + APPLIED_UNREADABLE, this.source, status, false, true);
  }

  private toError({ status, headers, text, cutAt }: RawResponse, req: UpstreamRequest<z.ZodType>, idempotent: boolean, token: string | undefined): Error {
    let vendorMessage: string | undefined;
    try {
      vendorMessage = this.options.errorMessage(JSON.parse(text));
    } catch {
      vendorMessage = undefined;
    }
    // Redact before truncating, so a secret cut in half by the limit cannot survive; as sent, so a
    // secret is found as the vendor echoed it. Then well-formed, as every vendor text shown: an
    // unpaired surrogate in it would reach the caller as no text it can decode.
    if (vendorMessage) vendorMessage = wellFormed(redact(vendorMessage, [...(this.options.secrets ?? []), ...(req.redact ?? []), token, ...credentialFields(req.form)]));
    vendorMessage = vendorMessage && cut(vendorMessage, MAX_VENDOR_MESSAGE);
    const detail = vendorMessage ? `: ${vendorMessage}` : cutAt !== undefined ? ` (its answer, over ${cutAt} bytes, was not read)` : '';
    const shouldRetry = headers['x-should-retry'];
    const vendorSays = shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : undefined;
    const err = answeredWith(this.errorFor(status, headers, req, idempotent, detail, vendorSays), status);
    if (vendorSays !== undefined) vendorVerdict.set(err, vendorSays);
    return err;
  }

  /** `vendorSays`: the vendor's own verdict on repeating the call, which the caller is told too. */
  private errorFor(status: number, headers: ResponseHeaders, req: UpstreamRequest<z.ZodType>, idempotent: boolean, detail: string, vendorSays: boolean | undefined): Error {
    const retryable = (otherwise: boolean) => vendorSays ?? otherwise;
    switch (true) {
      // A token endpoint judges the gateway's own credentials and configuration, never the caller's
      // input: none of its refusals may read as a ValidationError, or a 404 as `node: null`.
      case req.auth === false && status >= 400 && status < 500 && status !== 408 && status !== 429:
        return new UpstreamError(
          `could not get an access token from ${this.describe()} (HTTP ${status})${detail}` +
            (status === 404 ? '; check baseUrl' : ''),
          this.source,
          status,
          retryable(false),
        );
      case status === 404:
        return new NotFoundError(`${req.resource ?? 'resource'} not found in ${this.describe()}${detail}`, this.source);
      // A read carries only what the gateway checked and built, so the vendor refusing it is not
      // the caller's bad input; a write carries the caller's change, which the vendor may judge.
      case (status === 400 || status === 422) && req.method === 'GET':
        return new UpstreamError(`${this.describe()} rejected the gateway's request (HTTP ${status})${detail}`, this.source, status, retryable(false));
      case status === 400 || status === 422:
        return new ValidationError(`${this.describe()} rejected the request (HTTP ${status})${detail}`, [], this.source);
      case status === 409:
        // The resource changed underneath (e.g. a concurrent write): the caller's input was fine,
        // and asking again, which reads the resource afresh, may succeed.
        return new UpstreamError(
          `${this.describe()} reported a conflict with the resource's current state (HTTP 409)${detail}; read it and try again`,
          this.source,
          status,
          retryable(true),
        );
      case status === 408:
        return new UpstreamError(`${this.describe()} timed out reading the request (HTTP 408)${detail}`, this.source, status, retryable(true));
      case status === 429:
        return new RateLimitedError(this.source, retryAfterSeconds(headers), 'vendor', retryable(true));
      case status === 401 || status === 403:
        return new UpstreamError(
          (status === 401 ? `${this.describe()} refused the gateway's credentials` : `${this.describe()} does not allow the gateway this call`) + ` (HTTP ${status})${detail}`,
          this.source,
          status,
          retryable(false),
        );
      case status >= 500:
        // Its Retry-After is waited out when a retry fits the deadline, and told to the caller either way.
        return new UpstreamError(
          `${this.describe()} failed (HTTP ${status})${detail}` + (idempotent ? '' : MAYBE_APPLIED),
          this.source,
          status,
          retryable(true),
          !idempotent,
          { retryAfter: retryAfterSeconds(headers, Date.now(), false) },
        );
      default:
        return new UpstreamError(`${this.describe()} answered HTTP ${status}${detail}`, this.source, status, retryable(false));
    }
  }

  private describe(): string {
    return `${this.source.vendor} account "${this.source.account}"`;
  }
}

/** One attempt's standing with the breaker: whether admit() made it the probe, and whether its verdict was given already. */
interface BreakerTicket {
  readonly probe: boolean;
  judged: boolean;
}

/** Whether a cancellation's reason is the request's deadline (RequestScope's, or AbortSignal.timeout's) rather than its client leaving. */
const byDeadline = (reason: unknown): boolean => (reason as Error | undefined)?.name === 'TimeoutError';

/** A scope for a call serving no request: cancelled, as a request's deadline cancels, after `ms`. */
function ownDeadline(ms: number): CallScope {
  return { signal: AbortSignal.timeout(ms), deadline: Date.now() + ms };
}

/** The scope's cancellation; a scope with only a signal (a caller outside GraphQL) gets the signal's group. */
function cancellationOf(scope: CallScope | undefined): CancelGroup | undefined {
  if (!scope) return undefined;
  if (scope.cancellation) return scope.cancellation;
  return scope.signal ? CancelGroup.of(scope.signal) : undefined;
}
