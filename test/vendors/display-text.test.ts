import { describe, expect, it } from 'vitest';
import type { CredentialRecord, OwnerRecord } from '../../src/domain/credential.js';
import * as auth0 from '../../src/vendors/auth0/api.js';
import { clientCredentialRecord, clientRecord, connectionRecord } from '../../src/vendors/auth0/records.js';
import * as c1 from '../../src/vendors/conductorone/api.js';
import { credentialRecord as c1Credential, servicePrincipalRecord } from '../../src/vendors/conductorone/records.js';
import * as keycard from '../../src/vendors/keycard/api.js';
import { credentialRecord as keycardCredential, serviceAccountRecord } from '../../src/vendors/keycard/records.js';
import * as vault from '../../src/vendors/vault/api.js';
import { credentialRecord as vaultCredential } from '../../src/vendors/vault/records.js';

const ignore = () => undefined;
const NOW = '2026-01-01T00:00:00Z';
const UUID = '5763c49e-d793-56e5-9f2d-5180ba95b0e5';

/**
 * Every record with a name or description, each built from the vendor's answer as parsed at the
 * edge, with both given as `text`.
 */
const RECORDS: [string, (text: string) => CredentialRecord | OwnerRecord][] = [
  ['an Auth0 client', (t) => clientRecord('a0', auth0.clientsCheckpointPage.parse({ clients: [{ client_id: 'c1', name: t, description: t }] }).clients[0]!, ignore)],
  ['an Auth0 connection', (t) => connectionRecord('a0', auth0.connectionsCheckpointPage.parse({ connections: [{ id: 'con_1', name: t }] }).connections[0]!, ignore)],
  ['an Auth0 client credential', (t) => clientCredentialRecord('a0', 'c1', auth0.clientCredential.parse({ id: 'cred_1', name: t, credential_type: 'public_key' }), ignore)],
  ['a ConductorOne service principal', (t) => servicePrincipalRecord('c1', c1.servicePrincipal.parse({ id: 'sp1', displayName: t }), ignore)],
  ['a ConductorOne credential', (t) => c1Credential('c1', 'sp1', c1.credential.parse({ id: 'happy-otter-1', displayName: t }), ignore)],
  ['a Keycard service account', (t) => serviceAccountRecord('kc', keycard.serviceAccount.parse({ id: 'sa1', name: t, description: t, created_at: NOW, updated_at: NOW }), 'get', ignore)],
  ['a Keycard credential', (t) => keycardCredential('kc', 'sa1', keycard.credential.parse({ id: 'cr1', client_id: 'x', name: t, description: t, created_at: NOW }), 'get', ignore)],
  ['a vault credential', (t) => vaultCredential('v', vault.credential.parse({ uuid: UUID, name: t, description: t, type: 'CREDENTIAL_TYPE_PASSWORD', healthStatus: 'CREDENTIAL_HEALTH_STATUS_VALID' }), ignore)],
];

describe('names and descriptions read alike in every vendor', () => {
  it.each(RECORDS)('shows an empty name and description of %s as null, as an absent one', (_what, record) => {
    const r = record('');
    expect(r.name).toBeNull();
    expect(r.description).toBeNull();
  });

  it.each(RECORDS)('shows the text of %s as sent', (_what, record) => {
    const r = record('billing');
    expect(r.name).toBe('billing');
    // Auth0 connections and credentials and ConductorOne records have no description.
    expect([null, 'billing']).toContain(r.description);
  });
});
