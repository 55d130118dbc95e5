import { audited } from '../../audit.js';
import { distinctCredentials } from '../../domain/distinct.js';
import type { Ref } from '../../domain/ref.js';
import { ChangeInProgressError, ValidationError, NotFoundError, withArticle } from '../../errors.js';
import type { Builder, NodeTypes } from '../../schema/builder.js';
import { CredentialInterface, CredentialOwnerInterface, isRecordOf } from '../../schema/credential.js';
import { describedValues, enumValues } from '../../schema/enum-values.js';
import { MUTATION_ERRORS } from '../../schema/errors.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, REPLAYED_DESCRIPTION, withIdempotencyKey } from '../../schema/idempotent.js';
import { IDEMPOTENCY_KEY_RULE, idempotencyKey } from '../../schema/inputs.js';
import { parseGlobalId } from '../../schema/global-id.js';
import { Auth0Session } from './adapter.js';
import { CLIENT_CREDENTIAL_ALGS, CLIENT_CREDENTIAL_TYPES, KEY_USES, SIGNING_ALGS } from './api.js';
import {
  T,
  type Auth0ClientCredentialRecord,
  type Auth0ClientRecord,
  type Auth0ConnectionKeyRecord,
  type Auth0ConnectionRecord,
  type KeyRole,
} from './records.js';


/**
 * What a rotation's audit record lists as changed: its algorithm, when one is given. A null
 * `signingAlg`, as one left out, takes the vendor's default: it changes nothing the caller chose.
 */
const rotationFields = (input: { signingAlg?: unknown }): string[] => (input.signingAlg ? ['signingAlg'] : []);

export function registerAuth0Schema(builder: Builder): NodeTypes {
  const CredentialAlg = builder.enumType('Auth0CredentialAlgorithm', {
    description: "The algorithms Auth0 accepts for a client credential (its `alg`).",
    values: CLIENT_CREDENTIAL_ALGS,
  });
  const CredentialType = builder.enumType('Auth0CredentialType', {
    description: "Auth0's `credential_type` of a client credential.",
    values: describedValues(enumValues(CLIENT_CREDENTIAL_TYPES), {
      PUBLIC_KEY: '`public_key`: a public key.',
      X509_CERT: '`x509_cert`: an X.509 certificate.',
      CERT_SUBJECT_DN: '`cert_subject_dn`: the subject DN of a certificate, registered without the certificate itself.',
    }),
  });
  const SigningAlg = builder.enumType('Auth0SigningAlgorithm', {
    description: 'The algorithms of Auth0 connection signing keys (`algorithm`; `signing_alg` when rotating).',
    values: SIGNING_ALGS,
  });
  const KeyUse = builder.enumType('Auth0KeyUse', { description: "Auth0's `key_use` of a connection key: what the key is for.", values: enumValues(KEY_USES) });
  const Role = builder.enumType('Auth0KeyRole', {
    description:
      "Where a key stands in the rotation, from the flag Auth0 sets on it. A rotation adds a NEXT key; how the others' roles shift is Auth0's to decide and not documented by it: read `keys` after rotating. A key's `status` comes from its certificate whatever its role: a PREVIOUS key whose certificate has lapsed is EXPIRED though it no longer signs, so look at `role` before rotating.",
    values: {
      CURRENT: { description: 'Auth0 flags the key `current`: the one it signs with now.' },
      NEXT: { description: 'Auth0 flags the key `next`: a rotation added it, and it does not sign yet.' },
      PREVIOUS: { description: 'Auth0 flags the key `previous`: it signed before a rotation.' },
    } satisfies Record<KeyRole, { description: string }>,
  });

  const ClientCredential = builder.objectRef<Auth0ClientCredentialRecord>(T.clientCredential).implement({
    description: 'A public key, certificate or certificate subject DN registered on an Auth0 client. Only `expiresAt` can change.',
    interfaces: [builder.nodeInterfaceRef(), CredentialInterface],
    isTypeOf: isRecordOf(T.clientCredential),
    fields: (t) => ({
      kid: t.string({ nullable: true, description: 'The key id (`kid`) Auth0 reports; it generates one unless given at creation.', resolve: (c) => c.kid }),
      alg: t.field({
        type: CredentialAlg,
        nullable: true,
        description: 'The algorithm (`alg`) Auth0 reports; null when absent or not one this gateway knows.',
        resolve: (c) => c.alg ?? null,
      }),
      credentialType: t.field({
        type: CredentialType,
        nullable: true,
        description: "Auth0's `credential_type`; null when absent or not one this gateway knows. `kind` gives it across vendors.",
        resolve: (c) => c.credentialType ?? null,
      }),
      subjectDn: t.string({
        nullable: true,
        description: 'The certificate subject DN (`subject_dn`) Auth0 reports, as registered for a CERT_SUBJECT_DN credential; null when absent.',
        resolve: (c) => c.subjectDn,
      }),
      thumbprintSha256: t.string({ nullable: true, description: 'The SHA-256 thumbprint (`thumbprint_sha256`) Auth0 reports; null when absent.', resolve: (c) => c.thumbprintSha256 }),
    }),
  });

  const KeyRef = builder.objectRef<Auth0ConnectionKeyRecord>(T.connectionKey).implement({
    description:
      // Auth0 reports neither date for a key: both come from its certificate.
      "A connection's signing key. Read and rotated, never edited; `createdAt` and `expiresAt` are its certificate's notBefore and notAfter " +
      '(both null, and `status` UNKNOWN, when the certificate cannot be read; `expiresAt` null and `status` NEVER_EXPIRES when notAfter is 99991231235959Z, ' +
      'which RFC 5280 gives a certificate with no well-defined expiration date).',
    interfaces: [builder.nodeInterfaceRef(), CredentialInterface],
    isTypeOf: isRecordOf(T.connectionKey),
    fields: (t) => ({
      // Nullable like Auth0ClientCredential.kid: same-named fields share one type across credential types.
      kid: t.string({ nullable: true, description: 'The key id (`kid`); always given for a connection key.', resolve: (k) => k.kid }),
      cert: t.string({
        description: 'PEM certificate (public). Empty when Auth0 leaves it out or sends something that is not text; `status` is then UNKNOWN.',
        resolve: (k) => k.cert,
      }),
      pkcs: t.string({ nullable: true, description: 'PKCS#7 PEM (public); null when absent or not text.', resolve: (k) => k.pkcs }),
      fingerprint: t.string({
        description: "The certificate's fingerprint as Auth0 reports it, e.g. `CC:FB:DD:…`. Empty (never null, which would drop the key) when Auth0 leaves it out or sends something that is not text.",
        resolve: (k) => k.fingerprint,
      }),
      thumbprint: t.string({
        description: "The certificate's thumbprint as Auth0 reports it, e.g. `CCFBDDD8…`. Empty (never null, which would drop the key) when Auth0 leaves it out or sends something that is not text.",
        resolve: (k) => k.thumbprint,
      }),
      algorithm: t.field({
        type: SigningAlg,
        nullable: true,
        description: 'The signing algorithm Auth0 reports; null when absent or not one this gateway knows.',
        resolve: (k) => k.algorithm,
      }),
      keyUse: t.field({
        type: KeyUse,
        nullable: true,
        description: 'What the key is for (`key_use`), as Auth0 reports it; null when absent or not one this gateway knows.',
        resolve: (k) => k.keyUse ?? null,
      }),
      subjectDn: t.string({ nullable: true, description: "The subject DN of the key's certificate (`subject_dn`), as Auth0 reports it; null when absent.", resolve: (k) => k.subjectDn }),
      current: t.boolean({ description: "Auth0's `current` flag (false when absent); `role` sums up the three flags.", resolve: (k) => k.current }),
      next: t.boolean({ description: "Auth0's `next` flag (false when absent), which a rotation sets on the key it adds.", resolve: (k) => k.next }),
      previous: t.boolean({ description: "Auth0's `previous` flag (false when absent).", resolve: (k) => k.previous }),
      currentSince: t.field({
        type: 'DateTime',
        nullable: true,
        description: "When the key became current, from Auth0's `current_since`; null when absent or not an RFC 3339 date-time (logged).",
        resolve: (k) => k.currentSince,
      }),
      role: t.field({
        type: Role,
        nullable: true,
        description: 'The flags as one value (CURRENT, else NEXT, else PREVIOUS when several are set); null when none is.',
        resolve: (k) => k.role,
      }),
    }),
  });

  const Client = builder.objectRef<Auth0ClientRecord>(T.client).implement({
    description: 'An Auth0 application; owns client credentials.',
    interfaces: [builder.nodeInterfaceRef(), CredentialOwnerInterface],
    isTypeOf: isRecordOf(T.client),
    fields: (t) => ({
      appType: t.string({
        nullable: true,
        description: "Auth0's `app_type`, e.g. `non_interactive`, `regular_web`, `spa` or `native`; null when absent.",
        resolve: (c) => c.appType,
      }),
      isFirstParty: t.boolean({ nullable: true, description: 'Whether Auth0 marks it first-party (`is_first_party`); null when absent.', resolve: (c) => c.isFirstParty }),
    }),
  });

  const Connection = builder.objectRef<Auth0ConnectionRecord>(T.connection).implement({
    description: 'An Okta or OIDC enterprise connection; owns signing keys.',
    interfaces: [builder.nodeInterfaceRef(), CredentialOwnerInterface],
    isTypeOf: isRecordOf(T.connection),
    fields: (t) => ({
      strategy: t.string({
        nullable: true,
        description: "Auth0's `strategy`: `okta` or `oidc`, the strategies whose connections have signing keys (the only ones listed).",
        resolve: (c) => c.strategy,
      }),
      displayName: t.string({ nullable: true, description: "Auth0's `display_name`; null when it has none.", resolve: (c) => c.displayName }),
      realms: t.stringList({
        description: "Auth0's `realms` of the connection; empty when it reports none. A realm that is not text is left out (logged).",
        resolve: (c) => [...c.realms],
      }),
    }),
  });

  const RotateInput = builder.inputType('RotateConnectionKeysInput', {
    description: 'Which Auth0 connection to rotate, and how.',
    fields: (t) => ({
      connectionId: t.id({ required: true, description: 'An Auth0Connection id.' }),
      signingAlg: t.field({ type: SigningAlg, required: false, description: "The new key's algorithm; default: the vendor's." }),
      idempotencyKey: t.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    }),
  });

  interface RotationPayload {
    session: Auth0Session;
    connection: Auth0ConnectionRecord['ref'];
    newKey: Auth0ConnectionKeyRecord;
    replayed: boolean;
  }
  const Payload = builder.objectRef<RotationPayload>('RotateConnectionKeysSuccess').implement({
    description: 'Auth0 rotated the connection\'s signing keys.',
    fields: (t) => ({
      newKey: t.field({ type: KeyRef, description: 'The key the rotation generated (role NEXT).', resolve: (p) => p.newKey }),
      replayed: t.boolean({ description: REPLAYED_DESCRIPTION, resolve: (p) => p.replayed }),
      connection: t.field({
        type: Connection,
        nullable: true,
        description: 'The rotated connection; null for a caller who may not read credentials in its account (keys:rotate alone does not).',
        resolve: async (p, _args, ctx) =>
          ctx.sessions.readable(p.connection.account) ? ((await p.session.load(p.connection)) as Auth0ConnectionRecord | null) : null,
      }),
      keys: t.field({
        type: [KeyRef],
        // Nullable: the rotation has happened by now; a failed re-read must not erase `newKey`
        // (a null here would null the whole result and read as a failed, retryable rotation).
        nullable: true,
        description:
          "The connection's keys after the rotation, read fresh from Auth0; null (with an error) when that read fails — the rotation itself succeeded, see newKey — and null for a caller who may not read credentials in the account.",
        resolve: async (p, _args, ctx) => {
          if (!ctx.sessions.readable(p.connection.account)) return null;
          const keys = distinctCredentials(await p.session.ownerCredentials(p.connection)) as Auth0ConnectionKeyRecord[];
          return keys;
        },
      }),
    }),
  });

  builder.mutationField('rotateConnectionKeys', (t) =>
    t.field({
      type: Payload,
      description:
        "Rotates an Auth0 connection's signing keys. Not idempotent: each call retires a key, so the gateway never repeats it; " +
        'a client that may send it twice (a retrying link, a timeout) should send an `idempotencyKey`. One rotation of a connection at a time: ' +
        'another sent while one is running (through any replica) is refused unsent as `ChangeInProgressError`.',
      authScopes: { rotate: true },
      errors: {
        types: [...MUTATION_ERRORS, ChangeInProgressError],
        union: {
          name: 'RotateConnectionKeysResult',
          description:
            'The rotation, or a typed error (an `UpstreamError` with `outcomeUnknown` when it may have happened; a `ChangeInProgressError` when another rotation of the connection was running); every error implements `Error`.',
        },
        directResult: true,
      },
      args: { input: t.arg({ type: RotateInput, required: true, description: 'The Auth0 connection whose keys to rotate.' }) },
      // A record written before the resolver runs (refused by scope) lists what this one does.
      extensions: { auditFields: rotationFields },
      resolve: (_root, { input }, ctx) => {
        let ref: Ref | null = null;
        let replayed = false;
        const fields = rotationFields(input);
        return audited(
          ctx,
          // The vendor of the account the id points into, as updateCredential's record names it: an id
          // may point into another vendor's account, or none.
          () => ({ operation: 'rotateConnectionKeys', ref, vendor: ref ? ctx.sessions.vendorOf(ref.account) : null, fields, replayed }),
          async () => {
            // As in updateCredential: the id, then the caller's right to act in its account, then
            // the rest, each refusal naming the vendor and account the id points into.
            const connection = parseGlobalId(String(input.connectionId), 'input.connectionId');
            ref = connection;
            const session = ctx.sessions.writable(connection.account, 'keys:rotate');
            const source = { vendor: session.vendor, account: connection.account };
            const about = (err: unknown) => (err instanceof ValidationError ? err.about(source) : err);
            const key = input.idempotencyKey == null ? null : idempotencyKey.safeParse(input.idempotencyKey);
            if (key && !key.success) {
              throw about(
                new ValidationError(`input.idempotencyKey ${IDEMPOTENCY_KEY_RULE}`, [{ field: 'input.idempotencyKey', message: 'malformed' }]),
              );
            }
            if (connection.typename !== T.connection) {
              throw about(
                new ValidationError(`input.connectionId must be the id of an Auth0Connection, not of ${withArticle(connection.typename)}`, [
                  { field: 'input.connectionId', message: 'not a connection id' },
                ]),
              );
            }
            if (!(session instanceof Auth0Session)) throw new NotFoundError('connection not found', source);
            const signingAlg = input.signingAlg ?? null;
            // Rotation is the reason idempotency keys exist: a retried rotate would retire a key.
            const onReplay = () => (replayed = true);
            const rotated = await withIdempotencyKey(ctx, { operation: 'rotateConnectionKeys', key: key?.data, input: { connection, signingAlg }, source, onReplay }, () =>
              session.rotateConnectionKeys(connection, signingAlg).catch((err: unknown) => {
                throw about(err);
              }),
            );
            return { session, connection: rotated.connection, newKey: rotated.newKey, replayed };
          },
        );
      },
    }),
  );
  return [ClientCredential, KeyRef, Client, Connection];
}
