import type { Vendor } from './domain/vendor.js';

/**
 * Domain errors. Adapters and the HTTP client throw these; the schema exposes them as typed
 * mutation results (errors plugin) or as GraphQL errors with `extensions.code` on queries.
 * Messages are written for the caller and never contain secrets or upstream tokens.
 */
export abstract class GatewayError extends Error {
  abstract readonly code: string;
  override get name(): string {
    return this.constructor.name;
  }
  /** Safe, structured detail for `extensions`. */
  extensions(): Record<string, unknown> {
    return {};
  }
}

/** `word` with its indefinite article, for messages naming a type or vendor (`an Auth0Connection`, `a KEYCARD`). */
export const withArticle = (word: string): string => `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;

export interface UpstreamSource {
  vendor: Vendor;
  account: string;
}

/** The status of the vendor's answer each failure was made from (see `answerStatus`). */
const answers = new WeakMap<Error, number>();

/** Marks `err` as made from a vendor answer of `status`. Only failures pay for it. */
export function answeredWith<E extends Error>(err: E, status: number): E {
  answers.set(err, status);
  return err;
}

/**
 * The status of the vendor answer a failure was made from, when it was: the audit record names it
 * rather than the last call's, which may be a read made after it (Keycard confirms a 404 by
 * reading its organization, answered 200).
 */
export function answerStatus(err: unknown): number | undefined {
  return err instanceof Error ? answers.get(err) : undefined;
}

export class NotFoundError extends GatewayError {
  readonly code = 'NOT_FOUND';
  constructor(
    message: string,
    readonly source?: UpstreamSource,
  ) {
    super(message);
  }
  override extensions() {
    return { ...this.source };
  }
}

/**
 * Not one resource but the place every resource of the account lives in (a Keycard organization)
 * does not exist: the account's configuration is wrong, or the place was deleted. Unlike a
 * NotFoundError of one owner or credential, it never reads as "gone" (`node: null`, no
 * credentials): the account fails, reported like any NOT_FOUND naming its vendor and account.
 */
export class AccountNotFoundError extends NotFoundError {}

export interface FieldIssue {
  field: string;
  message: string;
}

export class ValidationError extends GatewayError {
  readonly code = 'BAD_USER_INPUT';
  constructor(
    message: string,
    readonly fields: FieldIssue[] = [],
    readonly source?: UpstreamSource,
  ) {
    super(message);
  }
  override extensions() {
    return { ...this.source, fields: this.fields };
  }

  /** This refusal, naming the account it was about (a vendor's own limits are checked without one). */
  about(source: UpstreamSource): ValidationError {
    return this.source ? this : new ValidationError(this.message, this.fields, source);
  }
}

export class UnsupportedChangeError extends GatewayError {
  readonly code = 'UNSUPPORTED_CHANGE';
  constructor(
    readonly vendor: Vendor,
    readonly typename: string,
    readonly fields: string[],
    readonly supportedFields: string[],
  ) {
    super(
      `${typename} cannot change ${fields.join(', ')}; ` +
        (supportedFields.length ? `it accepts only ${supportedFields.join(', ')}` : 'it accepts no changes'),
    );
  }
  override extensions() {
    return { vendor: this.vendor, fields: this.fields, supportedFields: this.supportedFields };
  }
}

export class PermissionDeniedError extends GatewayError {
  readonly code = 'FORBIDDEN';
  constructor(
    message: string,
    /** What was refused, as far as it is known: the scope needed, and where. */
    readonly refused: { scope?: string; vendor?: Vendor; account?: string } = {},
  ) {
    super(message);
  }
  /** As a query's error, the same facts the typed mutation result carries. */
  override extensions() {
    const { scope, vendor, account } = this.refused;
    return { ...(scope ? { requiredScope: scope } : {}), ...(vendor ? { vendor } : {}), ...(account ? { account } : {}) };
  }
}

/** Ends the message of a failure after which a change may or may not have been made (`outcomeUnknown`). */
export const MAYBE_APPLIED = '; the change may or may not have been applied — read the resource before deciding whether to make it again';

export class UpstreamError extends GatewayError {
  readonly code: string = 'UPSTREAM_ERROR';
  /** The GraphQL request was cancelled or ran out of time; says nothing about the vendor's health. */
  readonly cancelled: boolean;
  /** Refused without calling: the account's circuit breaker is open. */
  readonly circuitOpen: boolean;
  /** Seconds the vendor asked to wait before asking again (Retry-After, on a 429 or a 5xx), when known. */
  readonly retryAfter: number | null;
  /**
   * Whether the same request may succeed later. Never when the outcome is unknown: repeating it
   * with the same idempotency key replays this failure, and with a new one may apply the change
   * twice, so the caller must read the resource first.
   */
  readonly retryable: boolean;
  /**
   * Set on the way out of an idempotency key's record: the failure of an earlier call with the key,
   * told again without calling the vendor (see Idempotency.run).
   */
  replayed = false;
  constructor(
    message: string,
    readonly source: UpstreamSource,
    readonly status: number | null,
    retryable: boolean,
    /** A non-idempotent call that may or may not have been applied (timeout/5xx after sending). */
    readonly outcomeUnknown = false,
    flags: { cancelled?: boolean; circuitOpen?: boolean; retryAfter?: number | null } = {},
  ) {
    super(message);
    this.retryable = retryable && !outcomeUnknown;
    this.cancelled = flags.cancelled ?? false;
    this.circuitOpen = flags.circuitOpen ?? false;
    this.retryAfter = flags.retryAfter ?? null;
  }
  override extensions() {
    return {
      ...this.source,
      status: this.status,
      retryable: this.retryable,
      ...(this.outcomeUnknown ? { outcomeUnknown: true } : {}),
      ...(this.replayed ? { replayed: true } : {}),
      ...(this.circuitOpen ? { circuitOpen: true } : {}),
      // Typed as RateLimitedError's, which always says it, null included.
      ...(this.retryAfter !== null ? { retryAfter: this.retryAfter as number | null } : {}),
    };
  }
}

export class RateLimitedError extends UpstreamError {
  override readonly code = 'RATE_LIMITED';
  constructor(
    source: UpstreamSource,
    /** Seconds until calls are accepted again, when known. */
    retryAfter: number | null,
    /** `vendor`: the vendor answered 429. `client`: the gateway's own budget for the account is spent. */
    readonly limitedBy: 'vendor' | 'client' = 'vendor',
    /** Whether asking again later may succeed; false only when the vendor says so (`x-should-retry: false`). */
    retryable = true,
  ) {
    super(
      (limitedBy === 'vendor'
        ? `${source.vendor} account "${source.account}" is rate limited`
        : `the gateway's call budget for ${source.vendor} account "${source.account}" is spent for this request`) +
        (retryAfter !== null ? `; retry after ${retryAfter}s` : ''),
      source,
      429,
      retryable,
      false,
      { retryAfter },
    );
  }
  /** `limitedBy` as the schema's RateLimitSource names it, so an error's extensions and the typed result agree. */
  get limitSource(): 'VENDOR' | 'GATEWAY' {
    return this.limitedBy === 'vendor' ? 'VENDOR' : 'GATEWAY';
  }
  override extensions() {
    return { ...super.extensions(), retryAfter: this.retryAfter, limitedBy: this.limitSource };
  }
}

export type IdempotencyConflictReason = 'INPUT_MISMATCH' | 'IN_PROGRESS';

/** An idempotency key reused for a different input, or still held by a call that has not finished. */
export class IdempotencyConflictError extends GatewayError {
  readonly code = 'IDEMPOTENCY_CONFLICT';
  constructor(
    message: string,
    readonly reason: IdempotencyConflictReason,
  ) {
    super(message);
  }
  override extensions() {
    return { reason: this.reason };
  }
}

/**
 * Another change of the same resource that must never be made twice at once (a rotation of one
 * Auth0 connection) is in progress, on this replica or another sharing the store, or has just ended
 * with its outcome unknown: this one was refused at once, without waiting its turn, and nothing was
 * sent. It changed nothing, so an idempotency key sent with it is left free.
 */
export class ChangeInProgressError extends GatewayError {
  readonly code = 'CHANGE_IN_PROGRESS';
  constructor(
    message: string,
    readonly source: UpstreamSource,
  ) {
    super(message);
  }
  override extensions() {
    return { ...this.source };
  }
}

/**
 * The shared store (Redis) did not answer. What can do without it carries on locally (tokens, the
 * rate budget); what cannot (idempotency keys, vault updates taking turns) is refused with this,
 * and nothing is sent upstream.
 */
export class SharedStoreUnavailableError extends GatewayError {
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor() {
    super("the gateway's shared store is unreachable; try again shortly");
  }
  override extensions() {
    return { retryable: true };
  }
}

/**
 * An account's list that answered in part: some owners' credentials could not be read. It carries
 * what was read, so the list can still show it, and reports as its first failure (`cause`): the
 * same code and extensions, plus `partial: true`, so a caller that does not know it still reports
 * the failure as it always did.
 */
export class PartialListError<R = unknown> extends GatewayError {
  constructor(
    readonly source: UpstreamSource,
    /** The records of the owners that answered (a 404 counts as an owner without credentials). */
    readonly records: R[],
    /** The first owner's failure. */
    override readonly cause: unknown,
    /** How many owners could not be read, of how many. */
    readonly failed: number,
    readonly owners: number,
  ) {
    // The cause's message is a GatewayError's (written for the caller, never a secret); anything else stays generic.
    super(
      `the credentials of ${failed} of ${owners} owners in ${source.vendor} account "${source.account}" could not be read; the first: ` +
        (cause instanceof GatewayError ? cause.message : 'failed unexpectedly'),
    );
  }
  get code(): string {
    return this.cause instanceof GatewayError ? this.cause.code : 'UPSTREAM_ERROR';
  }
  override extensions() {
    return { ...(this.cause instanceof GatewayError ? this.cause.extensions() : {}), ...this.source, partial: true };
  }
}
