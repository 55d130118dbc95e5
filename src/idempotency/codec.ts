import { z } from 'zod';
import { VENDORS } from '../domain/vendor.js';
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

/** Whether a ref read back from the store names a type of this gateway's schema. */
export type KnownTypename = (typename: string) => boolean;

/** Dates survive as `{ $date }`; everything else in records is plain JSON already. */
function toWire(v: unknown): unknown {
  if (v instanceof Date) return { $date: v.toISOString() };
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
  return v;
}

export function encodeOutcome<T>(outcome: Outcome<T>): unknown {
  if (outcome.ok) return { ok: true, value: toWire(outcome.value) };
  const { error } = outcome;
  // Own fields (code, source, status…) plus the non-enumerable message; never a stack.
  return { ok: false, error: { type: error.constructor.name, message: error.message, fields: toWire({ ...error }) } };
}

/*
 * Reading an outcome back. The store is shared, and a record lives 24 h: another replica, another
 * version of the gateway, or anyone who can write to Redis may have written it. Nothing of it
 * reaches a resolver before it has parsed: the vendors are known ones, the refs name types of this
 * schema (a resolver's `resolveType` trusts them), dates are dates, and an error is rebuilt by its
 * own class's constructor from the fields that class has, never by copying whatever the record
 * holds onto a prototype.
 */

const vendor = z.enum(VENDORS);
const source = z.object({ vendor, account: z.string() });

/** A JSON object with no own `__proto__` key: copied anywhere with assignment, it would set a prototype. */
const plainObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.hasOwn(v, '__proto__'),
  'must be a JSON object without a __proto__ key',
);

const wireDate = z.strictObject({ $date: z.iso.datetime() }).transform(({ $date }) => new Date($date));

/**
 * The typed errors an outcome may hold, each rebuilt through its constructor (whose rules hold
 * again: an unknown outcome is never `retryable`, even in a record kept when it still said so).
 * Each class's message is kept as it was told the first time. Fields another version may add are
 * dropped; a type this version does not know fails the outcome.
 */
function wireError() {
  const told = <E extends GatewayError>(error: E, message: string): E => {
    error.message = message;
    return error;
  };
  const error = <Type extends string, Fields extends z.ZodRawShape>(type: Type, fields: Fields) =>
    z.object({ type: z.literal(type), message: z.string(), fields: plainObject.pipe(z.object(fields)) });
  const upstream = {
    source,
    status: z.number().int().nullable(),
    retryable: z.boolean(),
    outcomeUnknown: z.boolean().optional(),
    cancelled: z.boolean().optional(),
    circuitOpen: z.boolean().optional(),
    retryAfter: z.number().nonnegative().nullable().optional(),
  };
  return z.discriminatedUnion('type', [
    error('NotFoundError', { source: source.optional() }).transform(({ message, fields }) => new NotFoundError(message, fields.source)),
    error('ValidationError', { fields: z.array(z.object({ field: z.string(), message: z.string() })), source: source.optional() }).transform(
      ({ message, fields }) => new ValidationError(message, fields.fields, fields.source),
    ),
    error('UnsupportedChangeError', { vendor, typename: z.string(), fields: z.array(z.string()), supportedFields: z.array(z.string()) }).transform(
      ({ message, fields: f }) => told(new UnsupportedChangeError(f.vendor, f.typename, f.fields, f.supportedFields), message),
    ),
    error('PermissionDeniedError', {
      refused: z.object({ scope: z.string().optional(), vendor: vendor.optional(), account: z.string().optional() }),
    }).transform(({ message, fields }) => new PermissionDeniedError(message, fields.refused)),
    error('UpstreamError', upstream).transform(
      ({ message, fields: f }) =>
        new UpstreamError(message, f.source, f.status, f.retryable, f.outcomeUnknown, { cancelled: f.cancelled, circuitOpen: f.circuitOpen, retryAfter: f.retryAfter }),
    ),
    error('RateLimitedError', { source, retryAfter: z.number().nullable(), limitedBy: z.enum(['vendor', 'client']), retryable: z.boolean() }).transform(
      ({ message, fields: f }) => told(new RateLimitedError(f.source, f.retryAfter, f.limitedBy, f.retryable), message),
    ),
    error('IdempotencyConflictError', { reason: z.enum(['INPUT_MISMATCH', 'IN_PROGRESS']) }).transform(
      ({ message, fields }) => new IdempotencyConflictError(message, fields.reason),
    ),
  ]);
}

/**
 * The stored outcome envelope. A value is JSON with its dates revived, in which an object with a
 * `typename` is a Ref naming a type of this schema (a record's `ref` and `owner`, a rotation's
 * `connection`: resolvers resolve their types by it) and a `vendor` is a known Vendor.
 */
export function outcomeSchema(known: KnownTypename) {
  const ref = z.strictObject({
    typename: z.string().refine(known, 'is not a type of this gateway'),
    account: z.string(),
    path: z.array(z.string()),
  });
  const value: z.ZodType<unknown> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(value), wireDate, ref, object]));
  const object = plainObject.pipe(z.object({ vendor: vendor.optional(), typename: z.never().optional(), $date: z.never().optional() }).catchall(value));
  return z.discriminatedUnion('ok', [
    z.strictObject({ ok: z.literal(true), value }),
    z.strictObject({ ok: z.literal(false), error: wireError() }),
  ]);
}

export type OutcomeSchema = ReturnType<typeof outcomeSchema>;
