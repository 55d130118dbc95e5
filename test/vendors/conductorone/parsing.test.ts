import { describe, expect, it } from 'vitest';
import * as api from '../../../src/vendors/conductorone/api.js';
import { credentialRecord, servicePrincipalRecord } from '../../../src/vendors/conductorone/records.js';

describe('vendor JSON to records', () => {
  it('reads a proto3-JSON credential whose unpopulated fields are absent', () => {
    const c = api.credential.parse({ id: 'happy-otter-12345', createdAt: '2025-01-01T00:00:00Z' });
    expect(credentialRecord('c1', 'sp1', c)).toMatchObject({
      externalId: 'happy-otter-12345',
      kind: 'CLIENT_SECRET',
      name: null,
      clientId: null,
      servicePrincipalId: 'sp1',
      allowSourceCidrs: [],
      scopedRoleIds: [],
      requireDpop: false,
      expiresAt: null,
      lastUsedAt: null,
      createdAt: new Date('2025-01-01T00:00:00Z'),
      owner: { typename: 'ConductorOneServicePrincipal', account: 'c1', path: ['sp1'] },
    });
  });

  it('accepts explicit nulls, and fails on a bad timestamp rather than guessing', () => {
    const nulls = api.credential.parse({ id: 'x', expiresAt: null, allowSourceCidrs: null, lastUsedAt: null });
    expect(credentialRecord('c1', 'sp1', nulls)).toMatchObject({ expiresAt: null, expiryUnknown: false });
    expect(api.credential.safeParse({ id: 'x', createdAt: 'soon' }).success).toBe(false);
    expect(api.credential.safeParse({ id: 'x', lastUsedAt: 'soon' }).success).toBe(false);
  });

  it('reads an expiry it cannot read as unknown (the credential alone is UNKNOWN), not as some date nor as none', () => {
    for (const expiresAt of ['soon', '2026-03-01T00:00:00', 1772323200, { seconds: 1 }]) {
      const c = api.credential.parse({ id: 'x', displayName: 'ci', expiresAt });
      expect(credentialRecord('c1', 'sp1', c), JSON.stringify(expiresAt)).toMatchObject({ name: 'ci', expiresAt: null, expiryUnknown: true });
    }
  });

  it('keeps unknown user enum values from failing a list', () => {
    const sp = api.servicePrincipal.parse({ id: 'sp1', displayName: 'Bot', user: { status: 'SUSPENDED', type: 'USER_TYPE_ROBOT', email: '' } });
    expect(servicePrincipalRecord('c1', sp)).toMatchObject({ name: 'Bot', userStatus: null, userType: null, email: null });
  });

  it('reads messages from gRPC status and OAuth error bodies', () => {
    expect(api.errorMessage({ code: 5, message: 'credential not found', details: [] })).toBe('credential not found');
    expect(api.errorMessage({ error: 'invalid_client', error_description: 'unknown client' })).toBe('invalid_client: unknown client');
    expect(api.errorMessage({ nope: true })).toBeUndefined();
    expect(api.errorMessage('text')).toBeUndefined();
  });
});
