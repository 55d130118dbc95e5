import type { Builder, NodeTypes } from '../../schema/builder.js';
import { CredentialInterface, isRecordOf } from '../../schema/credential.js';
import { describedValues, prefixStripped } from '../../schema/enum-values.js';
import { CREDENTIAL_TYPES, HEALTH_STATUSES } from './api.js';
import { T, type VaultCredentialRecord } from './records.js';

export function registerVaultSchema(builder: Builder): NodeTypes {
  const CredentialType = builder.enumType('VaultCredentialType', {
    description: 'What the vault says the secret is. Null when the vault sends a value this gateway does not know.',
    values: describedValues(prefixStripped('CREDENTIAL_TYPE_', CREDENTIAL_TYPES), { UNSPECIFIED: 'The vault gives no type; `kind` is SECRET.' }),
  });
  const HealthStatus = builder.enumType('VaultCredentialHealthStatus', {
    description: "The vault's own health verdict (its own warning window). EXPIRED makes the gateway's `status` EXPIRED, and EXPIRING makes it EXPIRING unless `expiresAt` has passed; VALID leaves it to `expiresAt`. Null when the vault sends a value this gateway does not know.",
    values: describedValues(prefixStripped('CREDENTIAL_HEALTH_STATUS_', HEALTH_STATUSES), { UNSPECIFIED: 'The vault gives no verdict.' }),
  });

  const Credential = builder.objectRef<VaultCredentialRecord>(T.credential).implement({
    description:
      'A secret in a credential vault: a password, API key, TLS certificate or SSH key. No owner. Its value is write-only: ' +
      'set it with `updateCredential(input: { value })`; it is never a field.',
    interfaces: [builder.nodeInterfaceRef(), CredentialInterface],
    isTypeOf: isRecordOf(T.credential),
    fields: (t) => ({
      type: t.field({ type: CredentialType, nullable: true, description: "The vault's `type` of the secret; `kind` gives it across vendors.", resolve: (c) => c.type }),
      healthStatus: t.field({
        type: HealthStatus,
        nullable: true,
        description: "The vault's own `healthStatus`; `status` is the gateway's, from `expiresAt`, raised to EXPIRING or EXPIRED when this says so.",
        resolve: (c) => c.healthStatus,
      }),
      createdBy: t.string({ nullable: true, description: 'The principal that created it, as the vault records it; null when absent or not text.', resolve: (c) => c.createdBy }),
      lastOperationAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: "The vault's last operation on it (update or rotation); also reported as `updatedAt`. Null when absent or not an RFC 3339 date-time (logged).",
        resolve: (c) => c.lastOperationAt,
      }),
    }),
  });
  return [Credential];
}
