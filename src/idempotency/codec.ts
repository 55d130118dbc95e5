import {
  GatewayError,
  IdempotencyConflictError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitedError,
  UnsupportedChangeError,
  UpstreamError,
  ValidationError,
} from '../errors.js';

/** A mutation's first outcome, as kept for replay: its value, or the typed error it failed with. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: GatewayError };

const ERRORS: Record<string, new (...args: never[]) => GatewayError> = {
  NotFoundError,
  ValidationError,
  UnsupportedChangeError,
  PermissionDeniedError,
  UpstreamError,
  RateLimitedError,
  IdempotencyConflictError,
};

/** Dates survive as `{ $date }`; everything else in records is plain JSON already. */
function toWire(v: unknown): unknown {
  if (v instanceof Date) return { $date: v.toISOString() };
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
  return v;
}

function fromWire(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromWire);
  if (v && typeof v === 'object') {
    if ('$date' in v && Object.keys(v).length === 1) return new Date((v as { $date: string }).$date);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromWire(x)]));
  }
  return v;
}

export function encodeOutcome<T>(outcome: Outcome<T>): unknown {
  if (outcome.ok) return { ok: true, value: toWire(outcome.value) };
  const { error } = outcome;
  // Own fields (code, source, status…) plus the non-enumerable message; never a stack.
  return { ok: false, error: { type: error.constructor.name, message: error.message, fields: toWire({ ...error }) } };
}

export function decodeOutcome<T>(wire: unknown): Outcome<T> {
  const w = wire as { ok: boolean; value?: unknown; error?: { type: string; message: string; fields: unknown } };
  if (w.ok) return { ok: true, value: fromWire(w.value) as T };
  const Class = ERRORS[w.error!.type];
  if (!Class) throw new Error(`cannot replay an outcome of type ${w.error!.type}`);
  const error = Object.assign(Object.create(Class.prototype) as GatewayError, fromWire(w.error!.fields));
  Object.defineProperty(error, 'message', { value: w.error!.message, enumerable: false, writable: true, configurable: true });
  // A record kept before an unknown outcome stopped counting as retryable (for up to 24 h) says it is.
  if (error instanceof UpstreamError && error.outcomeUnknown) Object.assign(error, { retryable: false });
  return { ok: false, error };
}
