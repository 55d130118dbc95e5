import { audited, changedFields } from '../audit.js';
import type { CredentialRecord } from '../domain/credential.js';
import type { Ref } from '../domain/ref.js';
import { ValidationError } from '../errors.js';
import { builder } from './builder.js';
import { CredentialInterface } from './credential.js';
import { MUTATION_ERRORS } from './errors.js';
import { parseGlobalId } from './global-id.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, REPLAYED_DESCRIPTION, withIdempotencyKey } from './idempotent.js';
import { checkExpiry, parseUpdateInput, type UpdateInputField } from './inputs.js';

const UpdateCredentialInput = builder.inputType('UpdateCredentialInput', {
  description:
    'Set only what should change. Each vendor accepts a subset (see the README); a field it cannot change is an ' +
    '`UnsupportedChangeError` and nothing is sent.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The credential id.' }),
    name: t.string({ required: false, description: 'Leading and trailing whitespace is removed; must not be blank, is one line (no control characters), and at most 255 characters.' }),
    description: t.string({
      required: false,
      description:
        'Leading and trailing whitespace is removed, as for `name`; at most 1024 characters (Keycard: 500). null, or a blank description, clears it where the vendor ' +
        'allows (the vault); Keycard cannot clear it, so both are refused there.',
    }),
    expiresAt: t.field({ type: 'DateTime', required: false, description: 'Must lie in the future, within 100 years; null clears the expiry where the vendor allows.' }),
    value: t.string({ required: false, description: 'New secret value (vault; not empty, at most 65,536 bytes in UTF-8). Write-only: never returned or logged.' }),
    idempotencyKey: t.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    // The id, and exactly the fields parseUpdateInput parses: one added here or there alone does not compile.
  }) satisfies Record<'id' | UpdateInputField, unknown>,
});

/** An update's outcome: the credential, and whether it was served from an earlier call (as a rotation's payload says too). */
const UpdateCredentialSuccess = builder
  .objectRef<{ credential: CredentialRecord; replayed: boolean }>('UpdateCredentialSuccess')
  .implement({
    description: 'The vendor accepted the change.',
    fields: (t) => ({
      replayed: t.boolean({ description: REPLAYED_DESCRIPTION, resolve: (p) => p.replayed }),
      credential: t.field({
        type: CredentialInterface,
        description:
          'The credential after the change. Its `owner` (and a Keycard credential\'s `permissions`) is null, ' +
          'without an error, for a caller without `credentials:read` on its account.',
        resolve: (p) => p.credential,
      }),
    }),
  });

builder.mutationField('updateCredential', (t) =>
  t.field({
    type: UpdateCredentialSuccess,
    description:
      'Changes what the input sets, and nothing else, through the vendor of the credential. Each vendor accepts a subset of the fields ' +
      '(an UnsupportedChangeError names the rest); refused input changes nothing upstream. Sets absolute values, so repeating it is harmless.',
    authScopes: { write: true },
    errors: {
      types: MUTATION_ERRORS,
      union: { name: 'UpdateCredentialResult', description: 'The updated credential, or a typed error; every error implements `Error`.' },
      directResult: true,
    },
    args: { input: t.arg({ type: UpdateCredentialInput, required: true, description: 'The credential\'s `id`, and only the fields to change.' }) },
    resolve: (_root, { input }, ctx) => {
      let ref: Ref | null = null;
      let vendor: string | null = null;
      let replayed = false;
      const fields = changedFields(input);
      return audited(
        ctx,
        () => ({ operation: 'updateCredential', ref, vendor, fields, replayed }),
        async () => {
          // The id first: it names the vendor and account every later refusal is about (an empty or
          // malformed one is "Malformed id", as for rotateConnectionKeys and node).
          const id = String(input.id);
          const target = parseGlobalId(id, 'input.id');
          ref = target;
          vendor = ctx.sessions.vendorOf(target.account);
          // Then the caller's right to change it, so that only a caller who may act there learns its vendor.
          const session = ctx.sessions.writable(target.account, 'credentials:write');
          const source = { vendor: session.vendor, account: target.account };
          const about = (err: unknown) => (err instanceof ValidationError ? err.about(source) : err);
          let parsed: ReturnType<typeof parseUpdateInput>;
          try {
            parsed = parseUpdateInput(input);
          } catch (err) {
            throw about(err);
          }
          const { change, idempotencyKey } = parsed;
          const onReplay = () => (replayed = true);
          // A new secret value is kept only in the keyed hash; its presence alone in the public part.
          const publicInput = { id, change: { ...change, value: change.value === undefined ? undefined : '[secret]' } };
          const updated = await withIdempotencyKey(
            ctx,
            // An update sets absolute values: when a first call's outcome was lost, making it again is harmless.
            { operation: 'updateCredential', key: idempotencyKey, input: { id, change }, publicInput, source, repeatable: true, onReplay },
            async () => {
              try {
                // Only now, past the key's lookup: a retry replaying the first outcome is not refused
                // for an expiry that has passed since.
                checkExpiry(change);
                return await session.updateCredential(target, change);
              } catch (err) {
                throw about(err);
              }
            },
          );
          return { credential: updated, replayed };
        },
      );
    },
  }),
);
