import {
  IdempotencyConflictError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitedError,
  UnsupportedChangeError,
  UpstreamError,
  ValidationError,
} from '../errors.js';
import { builder } from './builder.js';
import { VendorEnum } from './enums.js';

/** Every typed mutation error implements this, so `... on Error { message }` always works. */
export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'A failure the caller can act on. Concrete types carry the details.',
  fields: (t) => ({
    message: t.exposeString('message'),
  }),
});

const FieldIssue = builder.simpleObject('FieldIssue', {
  fields: (t) => ({
    field: t.string({ description: 'Input field path, e.g. `input.expiresAt`.' }),
    message: t.string(),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    vendor: t.field({ type: VendorEnum, nullable: true, resolve: (e) => e.source?.vendor ?? null }),
    account: t.string({ nullable: true, resolve: (e) => e.source?.account ?? null }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input was refused before anything was sent, or the vendor refused it as invalid.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    fields: t.field({ type: [FieldIssue], resolve: (e) => e.fields }),
    vendor: t.field({ type: VendorEnum, nullable: true, resolve: (e) => e.source?.vendor ?? null }),
    account: t.string({ nullable: true, resolve: (e) => e.source?.account ?? null }),
  }),
});

builder.objectType(UnsupportedChangeError, {
  name: 'UnsupportedChangeError',
  description: 'The vendor cannot change these fields of this credential. Nothing was sent.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    vendor: t.field({ type: VendorEnum, nullable: true, resolve: (e) => e.vendor }),
    unsupportedFields: t.stringList({ description: 'Input fields this credential type cannot change.', resolve: (e) => e.fields }),
    supportedFields: t.stringList({ resolve: (e) => e.supportedFields }),
  }),
});

builder.objectType(PermissionDeniedError, {
  name: 'PermissionDeniedError',
  interfaces: [ErrorInterface],
});

const UpstreamErrorFields = builder.objectType(UpstreamError, {
  name: 'UpstreamError',
  description: 'A vendor failed or could not be reached.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    vendor: t.field({ type: VendorEnum, nullable: true, resolve: (e) => e.source.vendor }),
    account: t.string({ nullable: true, resolve: (e) => e.source.account }),
    status: t.int({ nullable: true, description: 'Upstream HTTP status; null when no answer came.', resolve: (e) => e.status }),
    retryable: t.boolean({ resolve: (e) => e.retryable }),
    outcomeUnknown: t.boolean({
      description: 'True when a non-idempotent change may or may not have been applied: read the resource before retrying.',
      resolve: (e) => e.outcomeUnknown,
    }),
  }),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    vendor: t.field({ type: VendorEnum, nullable: true, resolve: (e) => e.source.vendor }),
    account: t.string({ nullable: true, resolve: (e) => e.source.account }),
    retryAfter: t.int({ nullable: true, description: 'Seconds until the vendor accepts calls again.', resolve: (e) => e.retryAfter }),
  }),
});
void UpstreamErrorFields;

const IdempotencyConflictReason = builder.enumType('IdempotencyConflictReason', {
  values: {
    INPUT_MISMATCH: { description: 'The key was used before with a different input. Use a new key for a new change.' },
    IN_PROGRESS: { description: 'A request with this key has not finished yet. Retry later with the same key.' },
  },
});

builder.objectType(IdempotencyConflictError, {
  name: 'IdempotencyConflictError',
  description: 'The idempotency key cannot be used for this request. Nothing was sent.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    reason: t.field({ type: IdempotencyConflictReason, resolve: (e) => e.reason }),
  }),
});

/** The errors every mutation can return; the most specific class first (the plugin takes the first match). */
export const MUTATION_ERRORS = [
  ValidationError,
  IdempotencyConflictError,
  UnsupportedChangeError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitedError,
  UpstreamError,
];
