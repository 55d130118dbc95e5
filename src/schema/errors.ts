import {
  ChangeInProgressError,
  IdempotencyConflictError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitedError,
  UnsupportedChangeError,
  UpstreamError,
  ValidationError,
} from '../errors.js';
import { builder } from './builder.js';
import { RateLimitSource, vendorEnum } from './enums.js';

/** Every typed mutation error implements this, so `... on Error { message }` always works. */
const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'A failure the caller can act on. Concrete types carry the details.',
  fields: (t) => ({
    message: t.exposeString('message', {
      description: 'What went wrong, written for a person: branch on the type and its fields, not on this text. Never holds a secret.',
    }),
  }),
});

const FieldIssue = builder.simpleObject('FieldIssue', {
  description: 'One refused input field and why.',
  fields: (t) => ({
    field: t.string({ description: 'Input field path, e.g. `input.expiresAt`.' }),
    message: t.string({ description: 'Why that field was refused, e.g. `must not be blank`; never quotes the value.' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The credential, connection or account named does not exist (any more). Nothing was changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    vendor: t.field({
      type: vendorEnum(),
      nullable: true,
      description: 'The vendor of the account it was looked for in; null when the id names an account that is not configured.',
      resolve: (e) => e.source?.vendor ?? null,
    }),
    account: t.string({ nullable: true, description: 'The account it was looked for in; null as for `vendor`.', resolve: (e) => e.source?.account ?? null }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input was refused before anything was sent, or the vendor refused it as invalid.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    fields: t.field({
      type: [FieldIssue],
      description: 'Each refused input field and why; empty when the vendor refused the change (the message gives its reason).',
      resolve: (e) => e.fields,
    }),
    vendor: t.field({
      type: vendorEnum(),
      nullable: true,
      description: "The vendor of the account the input's id is in; null when the id itself was refused as malformed.",
      resolve: (e) => e.source?.vendor ?? null,
    }),
    account: t.string({ nullable: true, description: "The account the input's id is in; null as for `vendor`.", resolve: (e) => e.source?.account ?? null }),
  }),
});

builder.objectType(UnsupportedChangeError, {
  name: 'UnsupportedChangeError',
  description: 'The vendor cannot change these fields of this credential. Nothing was sent.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    vendor: t.field({ type: vendorEnum(), nullable: true, description: "The credential's vendor; always given.", resolve: (e) => e.vendor }),
    unsupportedFields: t.stringList({ description: 'Input fields this credential type cannot change.', resolve: (e) => e.fields }),
    supportedFields: t.stringList({ description: 'Input fields this credential type can change.', resolve: (e) => e.supportedFields }),
  }),
});

builder.objectType(PermissionDeniedError, {
  name: 'PermissionDeniedError',
  description: 'The caller lacks the scope this change needs on that account. Nothing was sent.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    requiredScope: t.string({ nullable: true, description: 'The scope the change needs, e.g. `credentials:write` or `keys:rotate`.', resolve: (e) => e.refused.scope ?? null }),
    vendor: t.field({
      type: vendorEnum(),
      nullable: true,
      description:
        'Always null: naming the vendor would tell a caller who may not act in the account that it exists.',
      resolve: (e) => e.refused.vendor ?? null,
    }),
    account: t.string({ nullable: true, description: 'The account it was refused on; null when the caller holds the scope nowhere.', resolve: (e) => e.refused.account ?? null }),
  }),
});

const UpstreamErrorFields = builder.objectType(UpstreamError, {
  name: 'UpstreamError',
  description: 'A vendor failed or could not be reached.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    vendor: t.field({ type: vendorEnum(), nullable: true, description: 'The vendor that failed or could not be reached; always given.', resolve: (e) => e.source.vendor }),
    account: t.string({ nullable: true, description: 'The configured account whose call failed; always given.', resolve: (e) => e.source.account }),
    status: t.int({ nullable: true, description: 'Upstream HTTP status; null when no answer came.', resolve: (e) => e.status }),
    retryAfter: t.int({
      nullable: true,
      description: "Seconds the vendor asked to wait before asking again (`Retry-After` on a 5xx), or, with the account's circuit breaker open, until it lets a call through; when known.",
      resolve: (e) => e.retryAfter,
    }),
    retryable: t.boolean({
      description: 'Whether the same request may succeed later. Always false when `outcomeUnknown` is true: read the resource first.',
      resolve: (e) => e.retryable,
    }),
    outcomeUnknown: t.boolean({
      description:
        'True when a non-idempotent change (a rotation) may or may not have been applied. Read the resource before deciding: ' +
        'if the change is not there, make it again with a new idempotency key (the same key replays this outcome for 24 hours).',
      resolve: (e) => e.outcomeUnknown,
    }),
    replayed: t.boolean({
      description:
        'True when this is the failure of an earlier call with the same idempotency key, told again without calling the vendor: ' +
        'this retry changed nothing.',
      resolve: (e) => e.replayed,
    }),
  }),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'A rate limit stopped the call before it was applied. Nothing was changed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    vendor: t.field({ type: vendorEnum(), nullable: true, description: 'The vendor of the limited account; always given.', resolve: (e) => e.source.vendor }),
    account: t.string({
      nullable: true,
      description: "The configured account whose calls were limited, by its vendor or by the gateway's budget for it; always given.",
      resolve: (e) => e.source.account,
    }),
    retryAfter: t.int({ nullable: true, description: 'Seconds until calls are accepted again, when known.', resolve: (e) => e.retryAfter }),
    limitedBy: t.field({
      type: RateLimitSource,
      description: "Whose limit stopped the call: the vendor's (it answered 429) or the gateway's own call budget for the account.",
      resolve: (e) => e.limitSource,
    }),
    retryable: t.boolean({ description: 'False only when the vendor said not to ask again (`x-should-retry: false`).', resolve: (e) => e.retryable }),
  }),
});
void UpstreamErrorFields;

const IdempotencyConflictReason = builder.enumType('IdempotencyConflictReason', {
  description: 'Why an idempotency key could not be used.',
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
    reason: t.field({
      type: IdempotencyConflictReason,
      description: 'Why the key could not be used, and so whether to retry with the same key (IN_PROGRESS) or use a new one (INPUT_MISMATCH).',
      resolve: (e) => e.reason,
    }),
  }),
});

builder.objectType(ChangeInProgressError, {
  name: 'ChangeInProgressError',
  description:
    'Another rotation of the same connection was in progress (on this gateway replica or another), or ended moments ago with its outcome unknown: ' +
    'this one was refused at once, without waiting its turn, and nothing was sent. Read the connection\'s keys once that rotation has finished, ' +
    'then decide whether to rotate again: repeating blindly would retire the key it just made. An idempotency key sent with the refused call ' +
    'was not used up: sent again later, the call rotates.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    vendor: t.field({ type: vendorEnum(), nullable: true, description: 'The vendor of the account the change was refused in; always given.', resolve: (e) => e.source.vendor }),
    account: t.string({ nullable: true, description: 'The configured account the change was refused in; always given.', resolve: (e) => e.source.account }),
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
