import { describe, expect, it } from 'vitest';
import { credential, credentialPage, errorMessage } from '../../../src/vendors/vault/api.js';
import { prefixStripped } from '../../../src/schema/enum-values.js';
import { credentialRecord, kindOf } from '../../../src/vendors/vault/records.js';

const UUID = '6f1c2b8e-3d4a-4b5c-8d9e-0f1a2b3c4d5e';
const wire = {
  uuid: UUID,
  name: 'payments-db-password',
  description: 'Postgres role',
  type: 'CREDENTIAL_TYPE_PASSWORD',
  healthStatus: 'CREDENTIAL_HEALTH_STATUS_EXPIRING',
  expiresAt: '2026-03-01T00:00:00.123456789Z',
  createdBy: 'alice@example.com',
  createDate: '2024-01-02T03:04:05Z',
  lastOpDate: '2025-06-07T08:09:10.5Z',
};
/** The record of a credential's JSON; unreadable fields are expected nowhere but in their own spec. */
const recordOf = (json: unknown, account = 'v') =>
  credentialRecord(account, credential.parse(json), (field) => {
    throw new Error(`unexpected unreadable ${field}`);
  });

describe('vault credential JSON', () => {
  it('becomes a record with the contract fields mapped to the interface', () => {
    const r = recordOf(wire, 'vault-prod');
    expect(r).toEqual({
      ref: { typename: 'VaultCredential', account: 'vault-prod', path: [UUID] },
      vendor: 'VAULT',
      externalId: UUID,
      kind: 'PASSWORD',
      name: 'payments-db-password',
      description: 'Postgres role',
      createdAt: new Date('2024-01-02T03:04:05Z'),
      updatedAt: new Date('2025-06-07T08:09:10.5Z'),
      expiresAt: new Date('2026-03-01T00:00:00.123Z'),
      expiryUnknown: false,
      vendorVerdict: 'EXPIRING',
      lastUsedAt: null,
      owner: null,
      type: 'CREDENTIAL_TYPE_PASSWORD',
      healthStatus: 'CREDENTIAL_HEALTH_STATUS_EXPIRING',
      createdBy: 'alice@example.com',
      lastOperationAt: new Date('2025-06-07T08:09:10.5Z'),
    });
  });

  it('never carries a value into the record, even if a vault sent one', () => {
    const r = recordOf({ ...wire, value: 'leaked-by-vendor' });
    expect(JSON.stringify(r)).not.toContain('leaked-by-vendor');
  });

  it('reads proto3 defaults: omitted or empty description and createdBy are null, omitted expiry never expires', () => {
    const r = recordOf({ uuid: UUID, name: 'n', type: 'CREDENTIAL_TYPE_API_KEY', healthStatus: 'CREDENTIAL_HEALTH_STATUS_VALID', description: '' });
    expect(r).toMatchObject({ description: null, createdBy: null, expiresAt: null, createdAt: null, updatedAt: null });
    expect(recordOf({ ...wire, expiresAt: null }).expiresAt).toBeNull();
  });

  it('turns unknown enum values into null instead of failing', () => {
    const r = recordOf({ ...wire, type: 'CREDENTIAL_TYPE_PGP_KEY', healthStatus: 'CREDENTIAL_HEALTH_STATUS_REVOKED' });
    expect(r).toMatchObject({ type: null, healthStatus: null, kind: 'SECRET' });
  });

  it('shows a credential whose name is missing or null with name null, without a report (the vault gives it none)', () => {
    const { name: _n, ...noName } = wire;
    expect(recordOf(noName)).toMatchObject({ externalId: UUID, name: null, description: 'Postgres role' });
    expect(recordOf({ ...wire, name: null })).toMatchObject({ externalId: UUID, name: null });
  });

  it('shows a name, description or createdBy that is not a string as null rather than fail the list, and says which', () => {
    const unreadable: string[] = [];
    const r = credentialRecord('v', credential.parse({ ...wire, name: 7, description: 42, createdBy: 42 }), (field, uuid, shownAs) => unreadable.push(`${field} ${uuid} ${shownAs}`));
    expect(r).toMatchObject({ name: null, description: null, createdBy: null, kind: 'PASSWORD', expiresAt: new Date('2026-03-01T00:00:00.123Z') });
    expect(unreadable).toEqual([`name ${UUID} null`, `description ${UUID} null`, `createdBy ${UUID} null`]);
  });

  it('still refuses a credential without a uuid: the gateway addresses it by that', () => {
    const { uuid: _u, ...noUuid } = wire;
    expect(credential.safeParse(noUuid).success).toBe(false);
  });

  it('parses a page with or without nextPageToken and totalSize', () => {
    expect(credentialPage.parse({ credentials: [wire], nextPageToken: 'abc', totalSize: 3 }).nextPageToken).toBe('abc');
    expect(credentialPage.parse({ credentials: [] }).nextPageToken).toBeUndefined();
  });

  it('accepts totalSize as proto3 JSON writes an int64: a string of digits', () => {
    expect(credentialPage.safeParse({ credentials: [wire], totalSize: '42' }).success).toBe(true);
  });

  it('reads an expiry it cannot read as unknown, not as some date (nor one without offset in the host time zone), and says which', () => {
    const unreadable: string[] = [];
    for (const expiresAt of ['soon', '2026-03-01T00:00:00', 1772323200, { seconds: 1 }]) {
      const r = credentialRecord('v', credential.parse({ ...wire, expiresAt }), (field, uuid, shownAs) => unreadable.push(`${field} ${uuid} ${shownAs}`));
      expect(r, JSON.stringify(expiresAt)).toMatchObject({ expiresAt: null, expiryUnknown: true, name: 'payments-db-password' });
    }
    expect(unreadable).toEqual(Array.from({ length: 4 }, () => `expiresAt ${UUID} UNKNOWN`));
  });

  it('reads a TLS certificate without expiresAt as of unknown expiry, as a certificate always expires, and any other type as never expiring', () => {
    const { expiresAt: _, ...noExpiry } = wire;
    expect(recordOf({ ...noExpiry, type: 'CREDENTIAL_TYPE_TLS_CERTIFICATE' })).toMatchObject({ expiresAt: null, expiryUnknown: true });
    expect(recordOf({ ...noExpiry, type: 'CREDENTIAL_TYPE_PASSWORD' })).toMatchObject({ expiresAt: null, expiryUnknown: false });
    expect(recordOf({ ...wire, type: 'CREDENTIAL_TYPE_TLS_CERTIFICATE' })).toMatchObject({ expiresAt: new Date('2026-03-01T00:00:00.123Z'), expiryUnknown: false });
  });

  it('leaves out a creation or last-operation date it cannot read, rather than fail the list, and says which', () => {
    const unreadable: string[] = [];
    for (const [createDate, lastOpDate] of [['2024-01-02 03:04', 'yesterday'], [1704164645, { seconds: 1 }]]) {
      const r = credentialRecord('v', credential.parse({ ...wire, createDate, lastOpDate }), (field, uuid, shownAs) => unreadable.push(`${field} ${uuid} ${shownAs}`));
      expect(r).toMatchObject({ createdAt: null, updatedAt: null, lastOperationAt: null, expiresAt: new Date('2026-03-01T00:00:00.123Z'), expiryUnknown: false });
    }
    expect(unreadable).toEqual([`lastOpDate ${UUID} null`, `createDate ${UUID} null`, `lastOpDate ${UUID} null`, `createDate ${UUID} null`]);
  });
});

describe('kindOf', () => {
  it.each([
    ['CREDENTIAL_TYPE_PASSWORD', 'PASSWORD'],
    ['CREDENTIAL_TYPE_API_KEY', 'API_KEY'],
    ['CREDENTIAL_TYPE_TLS_CERTIFICATE', 'CERTIFICATE'],
    ['CREDENTIAL_TYPE_SSH_KEY', 'SSH_KEY'],
    ['CREDENTIAL_TYPE_UNSPECIFIED', 'SECRET'],
    [null, 'SECRET'],
  ] as const)('maps %s to %s', (type, kind) => {
    expect(kindOf(type)).toBe(kind);
  });
});

describe('errorMessage', () => {
  it('reads the google.rpc.Status message and appends BadRequest field violations', () => {
    expect(errorMessage({ code: 3, message: 'invalid request', details: [] })).toBe('invalid request');
    expect(
      errorMessage({
        code: 3,
        message: 'invalid UpdateCredentialRequest',
        details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'name', description: 'too long' }, { field: 'operator', description: 'is required' }] }],
      }),
    ).toBe('invalid UpdateCredentialRequest (name: too long; operator: is required)');
  });

  it('ignores details it cannot read and bodies of another shape', () => {
    expect(errorMessage({ code: 13, message: 'internal', details: 'oops' })).toBe('internal');
    expect(errorMessage({ error: 'x' })).toBeUndefined();
    expect(errorMessage('text')).toBeUndefined();
  });
});

describe('prefixStripped', () => {
  it('names GraphQL values without the protobuf prefix and keeps the wire values', () => {
    expect(prefixStripped('CREDENTIAL_TYPE_', ['CREDENTIAL_TYPE_UNSPECIFIED', 'CREDENTIAL_TYPE_API_KEY'])).toEqual({
      UNSPECIFIED: { value: 'CREDENTIAL_TYPE_UNSPECIFIED' },
      API_KEY: { value: 'CREDENTIAL_TYPE_API_KEY' },
    });
  });
});
