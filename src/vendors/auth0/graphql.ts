import { audited } from '../../audit.js';
import type { Ref } from '../../domain/ref.js';
import { ValidationError, NotFoundError, withArticle } from '../../errors.js';
import type { Builder, NodeTypes } from '../../schema/builder.js';
import { CredentialInterface, CredentialOwnerInterface, isRecordOf } from '../../schema/credential.js';
import { enumValues } from '../../schema/enum-values.js';
import { MUTATION_ERRORS } from '../../schema/errors.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, REPLAYED_DESCRIPTION, withIdempotencyKey } from '../../schema/idempotent.js';
import { idempotencyKey } from '../../schema/inputs.js';
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


export function registerAuth0Schema(builder: Builder): NodeTypes {
  const CredentialAlg = builder.enumType('Auth0CredentialAlgorithm', { values: CLIENT_CREDENTIAL_ALGS });
  const CredentialType = builder.enumType('Auth0CredentialType', { values: enumValues(CLIENT_CREDENTIAL_TYPES) });
  const SigningAlg = builder.enumType('Auth0SigningAlgorithm', { values: SIGNING_ALGS });
  const KeyUse = builder.enumType('Auth0KeyUse', { values: enumValues(KEY_USES) });
  const Role = builder.enumType('Auth0KeyRole', {
    description:
      "Where a key stands in the rotation, from the flag Auth0 sets on it. A rotation adds a NEXT key; how the others' roles shift is Auth0's to decide and not documented by it: read `keys` after rotating.",
    values: ['CURRENT', 'NEXT', 'PREVIOUS'] satisfies KeyRole[],
  });

  const ClientCredential = builder.objectRef<Auth0ClientCredentialRecord>(T.clientCredential).implement({
    description: 'A public key, certificate or certificate subject DN registered on an Auth0 client. Only `expiresAt` can change.',
    interfaces: [builder.nodeInterfaceRef(), CredentialInterface],
    isTypeOf: isRecordOf(T.clientCredential),
    fields: (t) => ({
      kid: t.string({ nullable: true, resolve: (c) => c.kid }),
      alg: t.field({ type: CredentialAlg, nullable: true, resolve: (c) => c.alg ?? null }),
      credentialType: t.field({ type: CredentialType, nullable: true, resolve: (c) => c.credentialType ?? null }),
      subjectDn: t.string({ nullable: true, resolve: (c) => c.subjectDn }),
      thumbprintSha256: t.string({ nullable: true, resolve: (c) => c.thumbprintSha256 }),
    }),
  });

  const KeyRef = builder.objectRef<Auth0ConnectionKeyRecord>(T.connectionKey).implement({
    description:
      "A connection's signing key. Read and rotated, never edited; `expiresAt` is the certificate's notAfter.",
    interfaces: [builder.nodeInterfaceRef(), CredentialInterface],
    isTypeOf: isRecordOf(T.connectionKey),
    fields: (t) => ({
      // Nullable like Auth0ClientCredential.kid: same-named fields share one type across credential types.
      kid: t.string({ nullable: true, resolve: (k) => k.kid }),
      cert: t.string({ description: 'PEM certificate (public).', resolve: (k) => k.cert }),
      pkcs: t.string({ nullable: true, description: 'PKCS#7 PEM (public).', resolve: (k) => k.pkcs }),
      fingerprint: t.string({ resolve: (k) => k.fingerprint }),
      thumbprint: t.string({ resolve: (k) => k.thumbprint }),
      algorithm: t.field({ type: SigningAlg, nullable: true, resolve: (k) => k.algorithm }),
      keyUse: t.field({ type: KeyUse, nullable: true, resolve: (k) => k.keyUse ?? null }),
      subjectDn: t.string({ nullable: true, resolve: (k) => k.subjectDn }),
      current: t.boolean({ resolve: (k) => k.current }),
      next: t.boolean({ resolve: (k) => k.next }),
      previous: t.boolean({ resolve: (k) => k.previous }),
      currentSince: t.field({ type: 'DateTime', nullable: true, resolve: (k) => k.currentSince }),
      role: t.field({ type: Role, nullable: true, resolve: (k) => k.role }),
    }),
  });

  const Client = builder.objectRef<Auth0ClientRecord>(T.client).implement({
    description: 'An Auth0 application; owns client credentials.',
    interfaces: [builder.nodeInterfaceRef(), CredentialOwnerInterface],
    isTypeOf: isRecordOf(T.client),
    fields: (t) => ({
      appType: t.string({ nullable: true, resolve: (c) => c.appType }),
      isFirstParty: t.boolean({ nullable: true, resolve: (c) => c.isFirstParty }),
    }),
  });

  const Connection = builder.objectRef<Auth0ConnectionRecord>(T.connection).implement({
    description: 'An Okta or OIDC enterprise connection; owns signing keys.',
    interfaces: [builder.nodeInterfaceRef(), CredentialOwnerInterface],
    isTypeOf: isRecordOf(T.connection),
    fields: (t) => ({
      strategy: t.string({ nullable: true, resolve: (c) => c.strategy }),
      displayName: t.string({ nullable: true, resolve: (c) => c.displayName }),
      realms: t.stringList({ resolve: (c) => [...c.realms] }),
    }),
  });

  const RotateInput = builder.inputType('RotateConnectionKeysInput', {
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
          const keys = (await p.session.ownerCredentials(p.connection)) as Auth0ConnectionKeyRecord[];
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
        'a client that may send it twice (a retrying link, a timeout) should send an `idempotencyKey`.',
      authScopes: { rotate: true },
      errors: { types: MUTATION_ERRORS, union: { name: 'RotateConnectionKeysResult' }, directResult: true },
      args: { input: t.arg({ type: RotateInput, required: true }) },
      resolve: (_root, { input }, ctx) => {
        let ref: Ref | null = null;
        let replayed = false;
        const fields = input.signingAlg ? ['signingAlg'] : [];
        return audited(
          ctx,
          () => ({ operation: 'rotateConnectionKeys', ref, vendor: 'AUTH0', fields, replayed }),
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
                new ValidationError('input.idempotencyKey must be 1-255 printable ASCII characters', [{ field: 'input.idempotencyKey', message: 'malformed' }]),
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
            const rotated = await withIdempotencyKey(ctx, { operation: 'rotateConnectionKeys', key: key?.data, input: { connection, signingAlg }, onReplay }, () =>
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
