import type { Context } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import type { Builder, NodeTypes } from '../../schema/builder.js';
import { CredentialInterface, CredentialOwnerInterface, UNREPORTED_DATE, isRecordOf } from '../../schema/credential.js';
import { KeycardSession } from './adapter.js';
import { T, type KeycardCredentialRecord, type KeycardServiceAccountRecord } from './records.js';

const PERMISSIONS =
  'Permissions Keycard reports on this resource: resource type → permission → granted, e.g. `{"credentials": {"read": true}}`. ' +
  'Read from Keycard (`expand=permissions`) only when selected. Null for a caller without `credentials:read` on the account ' +
  '(e.g. in the result of its own update).';

/**
 * The session to read permissions with; null for a caller who may not read the account (one that
 * only changed a credential there), as for `owner`: linked data needs credentials:read.
 */
function sessionOf(ctx: Context, account: string): KeycardSession | null {
  const session = ctx.sessions.readable(account);
  if (!session) return null;
  if (!(session instanceof KeycardSession)) throw new NotFoundError(`no Keycard account named "${account}" is configured`);
  return session;
}

export function registerKeycardSchema(builder: Builder): NodeTypes {
  const Credential = builder.objectRef<KeycardCredentialRecord>(T.credential).implement({
    description: "A Keycard service account's client credential (its secret is shown once, by Keycard, when the credential is created there, outside this gateway; never here). Only `name` and `description` can change; it does not expire.",
    interfaces: [builder.nodeInterfaceRef(), CredentialInterface],
    isTypeOf: isRecordOf(T.credential),
    fields: (t) => ({
      // Nullable, so the same field name on other vendors' credential types can share its type.
      clientId: t.string({ nullable: true, description: 'The OAuth client id this credential authenticates as (not a secret); null when Keycard sends none that is text.', resolve: (c) => c.clientId }),
      permissions: t.field({
        type: 'JSON',
        nullable: true,
        description: PERMISSIONS,
        resolve: (c, _args, ctx) => sessionOf(ctx, c.ref.account)?.permissionsOf(c) ?? null,
      }),
    }),
  });

  const ServiceAccount = builder.objectRef<KeycardServiceAccountRecord>(T.serviceAccount).implement({
    description: 'A Keycard service account (machine identity) in the configured organization; owns client credentials.',
    interfaces: [builder.nodeInterfaceRef(), CredentialOwnerInterface],
    isTypeOf: isRecordOf(T.serviceAccount),
    fields: (t) => ({
      createdAt: t.field({ type: 'DateTime', nullable: true, description: `When Keycard created it (\`created_at\`). ${UNREPORTED_DATE}`, resolve: (s) => s.createdAt }),
      updatedAt: t.field({ type: 'DateTime', nullable: true, description: `When Keycard last changed it (\`updated_at\`). ${UNREPORTED_DATE}`, resolve: (s) => s.updatedAt }),
      permissions: t.field({
        type: 'JSON',
        nullable: true,
        description: PERMISSIONS,
        resolve: (s, _args, ctx) => sessionOf(ctx, s.ref.account)?.permissionsOf(s) ?? null,
      }),
    }),
  });
  return [Credential, ServiceAccount];
}
