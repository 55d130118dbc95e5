import { describe, expect, it } from 'vitest';
import * as api from '../../../src/vendors/conductorone/api.js';
import { credentialRecord, servicePrincipalRecord } from '../../../src/vendors/conductorone/records.js';
import type { OnUnreadable } from '../../../src/vendors/zod-helpers.js';

/** Collects what a record reports it could not read, as `field item shownAs`. */
function reports() {
  const told: string[] = [];
  const report: OnUnreadable = (field, item, shownAs) => told.push(`${field} ${item} ${shownAs}`);
  return { told, report };
}
const ignore: OnUnreadable = () => undefined;

describe('vendor JSON to records', () => {
  it('reads a proto3-JSON credential whose unpopulated fields are absent', () => {
    const c = api.credential.parse({ id: 'happy-otter-12345', createdAt: '2025-01-01T00:00:00Z' });
    expect(credentialRecord('c1', 'sp1', c, ignore)).toMatchObject({
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

  it('accepts explicit nulls (proto3 JSON: the default value), reporting nothing', () => {
    const { told, report } = reports();
    const nulls = api.credential.parse({
      id: 'x',
      expiresAt: null,
      allowSourceCidrs: null,
      scopedRoleIds: null,
      lastUsedAt: null,
      createdAt: null,
      displayName: null,
      clientId: null,
      requireDpop: null,
    });
    expect(credentialRecord('c1', 'sp1', nulls, report)).toMatchObject({
      expiresAt: null,
      expiryUnknown: false,
      lastUsedAt: null,
      createdAt: null,
      name: null,
      clientId: null,
      scopedRoleIds: [],
      requireDpop: false,
    });
    expect(told).toEqual([]);
  });

  it('shows a display date it cannot read as null, reported, rather than guess it or fail the list', () => {
    const { told, report } = reports();
    const c = api.credential.parse({ id: 'x', createdAt: '2025-01-01T00:00:00', lastUsedAt: 'yesterday' });
    expect(credentialRecord('c1', 'sp1', c, report)).toMatchObject({ createdAt: null, lastUsedAt: null });
    expect(told).toEqual(['createdAt sp1/x null', 'lastUsedAt sp1/x null']);
  });

  it('shows a display string that is not a string as null, reporting it', () => {
    const { told, report } = reports();
    const c = api.credential.parse({ id: 'x', displayName: 42, clientId: {} });
    expect(credentialRecord('c1', 'sp1', c, report)).toMatchObject({ name: null, clientId: null });
    expect(told).toEqual(['displayName sp1/x null', 'clientId sp1/x null']);
  });

  it('still fails on what it must not misstate: an id, a source allow-list, a role list, a DPoP flag that is not a boolean', () => {
    expect(api.credential.safeParse({ id: 42 }).success).toBe(false);
    expect(api.credential.safeParse({ id: 'x', allowSourceCidrs: ['10.0.0.0/8', null] }).success).toBe(false);
    // A role list shortened by an odd element would claim other limits than the vendor's.
    expect(api.credential.safeParse({ id: 'x', scopedRoleIds: ['r1', null] }).success).toBe(false);
    expect(api.credential.safeParse({ id: 'x', requireDpop: 'yes' }).success).toBe(false);
  });

  it('shows an unpaired surrogate as U+FFFD in display strings and in the source and role lists, each list whole; the ids as sent', () => {
    const { told, report } = reports();
    const c = api.credential.parse({ id: 'x\ud800', displayName: 'ci \ud83d', clientId: '\udc00c', allowSourceCidrs: ['10.0.0.0/8', '\ud800'], scopedRoleIds: ['r\udc00'] });
    expect(credentialRecord('c1', 'sp\udc00', c, report)).toMatchObject({
      externalId: 'x\ud800',
      servicePrincipalId: 'sp\udc00',
      name: 'ci \ufffd',
      clientId: '\ufffdc',
      allowSourceCidrs: ['10.0.0.0/8', '\ufffd'],
      scopedRoleIds: ['r\ufffd'],
    });
    const sp = api.servicePrincipal.parse({ id: 'sp1', displayName: 'Bot \ud800', user: { email: 'b\udc00@example.com' } });
    expect(servicePrincipalRecord('c1', sp, report)).toMatchObject({ name: 'Bot \ufffd', email: 'b\ufffd@example.com' });
    expect(told).toEqual([]);
  });

  it('reads an expiry it cannot read as unknown (the credential alone is UNKNOWN), not as some date nor as none', () => {
    for (const expiresAt of ['soon', '2026-03-01T00:00:00', 1772323200, { seconds: 1 }]) {
      const c = api.credential.parse({ id: 'x', displayName: 'ci', expiresAt });
      expect(credentialRecord('c1', 'sp1', c, ignore), JSON.stringify(expiresAt)).toMatchObject({ name: 'ci', expiresAt: null, expiryUnknown: true });
    }
  });

  it('keeps unknown user enum values from failing a list', () => {
    const sp = api.servicePrincipal.parse({ id: 'sp1', displayName: 'Bot', user: { status: 'SUSPENDED', type: 'USER_TYPE_ROBOT', email: '' } });
    expect(servicePrincipalRecord('c1', sp, ignore)).toMatchObject({ name: 'Bot', userStatus: null, userType: null, email: null });
  });

  it('shows a principal whose dates and email it cannot read with them null, reported', () => {
    const { told, report } = reports();
    const sp = api.servicePrincipal.parse({ id: 'sp1', displayName: null, createdAt: '2025-01-01', updatedAt: 7, user: { email: 42 } });
    expect(servicePrincipalRecord('c1', sp, report)).toMatchObject({ name: null, createdAt: null, updatedAt: null, email: null });
    expect(told).toEqual(['createdAt sp1 null', 'updatedAt sp1 null', 'user.email sp1 null']);
  });

  it('reads messages from gRPC status and OAuth error bodies', () => {
    expect(api.errorMessage({ code: 5, message: 'credential not found', details: [] })).toBe('credential not found');
    expect(api.errorMessage({ error: 'invalid_client', error_description: 'unknown client' })).toBe('invalid_client: unknown client');
    expect(api.errorMessage({ nope: true })).toBeUndefined();
    expect(api.errorMessage('text')).toBeUndefined();
  });
});
