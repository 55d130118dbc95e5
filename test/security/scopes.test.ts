import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit.js';
import { encodeGlobalId, parseGlobalId } from '../../src/schema/global-id.js';
import type { Auth0Simulator } from '../../src/vendors/auth0/simulator.js';
import type { KeycardSimulator } from '../../src/vendors/keycard/simulator.js';
import { ListCredentialsDocument, NodeDocument, RotateConnectionKeysDocument, UpdateCredentialDocument } from '../gql/graphql.js';
import { authConfig, jwtFixture, KEYS, type JwtFixture } from '../fixtures/callers.js';
import { future } from '../fixtures/dates.js';
import { auth0Credential, gid } from '../fixtures/ids.js';
import { nothingUpstream, startHarness, type Harness } from '../fixtures/harness.js';
import { tempDir } from '../fixtures/temp-dir.js';

let h: Harness;
let auditFile: string;
const as = (key: string) => ({ 'x-api-key': key });

let jwt: JwtFixture;
beforeAll(async () => {
  auditFile = join(await tempDir('audit'), 'audit.jsonl');
  jwt = await jwtFixture();
  h = await startHarness({ accounts: { auth0: ['auth0-prod', 'auth0-staging'], keycard: ['keycard-sandbox'] }, config: { auth: authConfig(jwt, { staging: 'auth0-staging' }), audit: { file: auditFile } } });
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const credentialOf = (account: string, name: string) => auth0Credential(h.sim(account) as Auth0Simulator, account, name).globalId;
const connectionOf = (account: string) => {
  const sim = h.sim(account) as Auth0Simulator;
  return encodeGlobalId('Auth0Connection', JSON.stringify([account, sim.state.connections[0]!.id]));
};

describe('scopes', () => {
  it('lists the accounts a caller may read, and only those, asking no vendor', async () => {
    const query = JSON.stringify({ query: '{ vendorAccounts { name vendor } }' });
    const limited = (await (await h.post(query, as(KEYS.stagingWriter))).json()) as { data: { vendorAccounts: { name: string; vendor: string }[] } };
    expect(limited.data.vendorAccounts).toEqual([{ name: 'auth0-staging', vendor: 'AUTH0' }]);
    const admin = (await (await h.post(query, as(KEYS.admin))).json()) as { data: { vendorAccounts: { name: string; vendor: string }[] } };
    expect(admin.data.vendorAccounts.map((a) => a.name)).toEqual(h.accounts.map((a) => a.name));
    nothingUpstream(h);
  });

  it('shows a caller limited to one account only that account, with no error and no count of the rest', async () => {
    const res = await h.exec(ListCredentialsDocument, { first: 500 }, as(KEYS.stagingWriter));
    expect(res.errors).toBeUndefined();
    const accounts = new Set(res.data!.credentials.edges.map((e) => e.node.account));
    expect(accounts).toEqual(new Set(['auth0-staging']));
    expect(res.data!.credentials.totalCount).toBe(res.data!.credentials.edges.length);
    expect(h.sim('auth0-prod').requests).toEqual([]);
  });

  it('resolves another account’s id to null for a limited caller', async () => {
    const res = await h.exec(NodeDocument, { id: credentialOf('auth0-prod', 'billing-next') }, as(KEYS.stagingWriter));
    expect(res.data?.node).toBeNull();
    expect(res.errors).toBeUndefined();
    expect(h.sim('auth0-prod').requests).toEqual([]);
  });

  it('refuses a mutation on another account with PermissionDeniedError, sending nothing', async () => {
    const res = await h.exec(UpdateCredentialDocument, { input: { id: credentialOf('auth0-prod', 'billing-next'), expiresAt: future(60) } }, as(KEYS.stagingWriter));
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'PermissionDeniedError', requiredScope: 'credentials:write', vendor: null, account: 'auth0-prod' });
    expect(h.sim('auth0-prod').requests).toEqual([]);
  });

  it('lets the limited caller change its own account', async () => {
    const res = await h.exec(UpdateCredentialDocument, { input: { id: credentialOf('auth0-staging', 'billing-next'), expiresAt: future(60) } }, as(KEYS.stagingWriter));
    expect(res.data?.updateCredential.__typename).toBe('UpdateCredentialSuccess');
    expect(h.sim('auth0-staging').requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(h.sim('auth0-prod').requests).toEqual([]);
  });

  it('ignores a token scope with an empty limit (scope@) instead of granting it on every account', async () => {
    const token = await jwt.sign({ sub: 'limited', scope: 'credentials:read@auth0-staging credentials:write@ keys:rotate@vendor:' });
    const bearer = { authorization: `Bearer ${token}` };
    const update = await h.exec(UpdateCredentialDocument, { input: { id: credentialOf('auth0-prod', 'billing-next'), expiresAt: future(60) } }, bearer);
    expect(update.data?.updateCredential).toMatchObject({ __typename: 'PermissionDeniedError' });
    const rotate = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: connectionOf('auth0-prod') } }, bearer);
    // Held nowhere, refused by the schema's gate: the scope is named, no account is.
    expect(rotate.data?.rotateConnectionKeys).toMatchObject({
      __typename: 'PermissionDeniedError',
      message: 'caller "limited" may not use Mutation.rotateConnectionKeys: it needs keys:rotate on at least one account',
      requiredScope: 'keys:rotate',
      account: null,
    });
    expect(h.sim('auth0-prod').requests).toEqual([]);
  });

  it('refuses a change in an account that does not exist exactly as in another caller’s, unless the caller could act there', async () => {
    const nowhere = encodeGlobalId('Auth0ClientCredential', JSON.stringify(['auth0-dev', 'client', 'cred']));
    const limited = await h.exec(UpdateCredentialDocument, { input: { id: nowhere, expiresAt: future(60) } }, as(KEYS.stagingWriter));
    const elsewhere = await h.exec(UpdateCredentialDocument, { input: { id: credentialOf('auth0-prod', 'billing-next'), expiresAt: future(60) } }, as(KEYS.stagingWriter));
    expect([limited, elsewhere].map((r) => r.data?.updateCredential.__typename)).toEqual(['PermissionDeniedError', 'PermissionDeniedError']);
    // Field for field, but for the account's name the caller sent: not even the vendor tells them apart.
    expect(JSON.stringify(limited.data).replaceAll('auth0-dev', 'ACCOUNT')).toBe(JSON.stringify(elsewhere.data).replaceAll('auth0-prod', 'ACCOUNT'));
    nothingUpstream(h); // auth0-prod above all
    const admin = await h.exec(UpdateCredentialDocument, { input: { id: nowhere, expiresAt: future(60) } }, as(KEYS.admin));
    expect(admin.data?.updateCredential).toMatchObject({ __typename: 'NotFoundError', message: 'no account named "auth0-dev" is configured' });
  });

  it('answers a caller that may rotate but not read with the new key alone: no connection, keys or owner', async () => {
    const token = await jwt.sign({ sub: 'rotator', scope: 'keys:rotate@auth0-prod' });
    const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: connectionOf('auth0-prod') } }, { authorization: `Bearer ${token}` });
    expect(res.errors).toBeUndefined();
    expect(res.data?.rotateConnectionKeys).toMatchObject({ __typename: 'RotateConnectionKeysSuccess', connection: null, keys: null, newKey: { role: 'NEXT', owner: null } });
    // The rotation itself, and no read of the connection or its keys.
    expect(h.sim('auth0-prod').apiRequests().map((r) => `${r.method} ${r.route}`)).toEqual(['POST /api/v2/connections/:id/keys/rotate']);
  });

  it('answers a caller that may write but not read with the changed credential’s own fields; what is linked to it is null', async () => {
    const sim = h.sim('keycard-sandbox') as KeycardSimulator;
    const [saId, creds] = [...sim.state.credentials].find(([, list]) => list.some((c) => c.name === 'github-actions'))!;
    const cred = creds.find((c) => c.name === 'github-actions')!;
    const token = await jwt.sign({ sub: 'writeonly', scope: 'credentials:write keys:rotate' });
    const query = `mutation($input: UpdateCredentialInput!) {
      updateCredential(input: $input) {
        __typename
        ... on UpdateCredentialSuccess { credential { id name owner { id } ... on KeycardCredential { clientId permissions } } }
      }
    }`;
    const input = { id: gid('KeycardCredential', 'keycard-sandbox', saId, cred.id), name: 'github-actions-renamed' };
    try {
      const res = await h.post(JSON.stringify({ query, variables: { input } }), { authorization: `Bearer ${token}` });
      const body = (await res.json()) as { data: unknown; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({
        updateCredential: {
          __typename: 'UpdateCredentialSuccess',
          credential: { id: input.id, name: 'github-actions-renamed', owner: null, clientId: cred.client_id, permissions: null },
        },
      });
      // The change alone: nothing read on behalf of a caller that may not read.
      expect(sim.apiRequests().map((r) => `${r.method} ${r.route}`)).toEqual([
        'PATCH /organizations/:organization_id/service-accounts/:service_account_id/credentials/:credential_id',
      ]);
    } finally {
      cred.name = 'github-actions';
    }
  });

  it('refuses a query field to a caller holding its scope nowhere with FORBIDDEN naming the scope it needs', async () => {
    const token = await jwt.sign({ sub: 'writeonly', scope: 'credentials:write keys:rotate' });
    const res = await h.post(JSON.stringify({ query: '{ vendorAccounts { name } }' }), { authorization: `Bearer ${token}` });
    const body = (await res.json()) as { data: unknown; errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'caller "writeonly" may not use Query.vendorAccounts: it needs credentials:read on at least one account',
        extensions: expect.objectContaining({ code: 'FORBIDDEN', requiredScope: 'credentials:read' }),
      }),
    ]);
    nothingUpstream(h);
  });

  it('refuses writes and rotations to a read-only caller', async () => {
    const update = await h.exec(UpdateCredentialDocument, { input: { id: credentialOf('auth0-prod', 'billing-next'), expiresAt: future(60) } }, as(KEYS.reader));
    expect(update.data?.updateCredential).toMatchObject({ __typename: 'PermissionDeniedError' });
    const rotate = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: connectionOf('auth0-prod') } }, as(KEYS.reader));
    expect(rotate.data?.rotateConnectionKeys).toMatchObject({ __typename: 'PermissionDeniedError' });
    const rotateElsewhere = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: connectionOf('auth0-staging') } }, as(KEYS.stagingWriter));
    expect(rotateElsewhere.data?.rotateConnectionKeys).toMatchObject({ __typename: 'PermissionDeniedError' });
    for (const a of ['auth0-prod', 'auth0-staging']) expect(h.sim(a).apiRequests().filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

describe('scopes limited to a vendor (credentials:read@vendor:keycard, { scope: credentials:write, vendors: [keycard] }, keys:rotate@vendor:keycard)', () => {
  const keycardCaller = as(KEYS.keycardWriter);
  const auth0Untouched = () => nothingUpstream(h, ['auth0-prod', 'auth0-staging']);
  const keycardCredential = (name: string) => {
    const sim = h.sim('keycard-sandbox') as KeycardSimulator;
    const [saId, creds] = [...sim.state.credentials].find(([, list]) => list.some((c) => c.name === name))!;
    const cred = creds.find((c) => c.name === name)!;
    return { sim, cred, id: gid('KeycardCredential', 'keycard-sandbox', saId, cred.id) };
  };

  it('lists the vendor’s accounts and credentials only, asking no other vendor', async () => {
    const accounts = (await (await h.post(JSON.stringify({ query: '{ vendorAccounts { name vendor } }' }), keycardCaller)).json()) as { data: unknown };
    expect(accounts.data).toEqual({ vendorAccounts: [{ name: 'keycard-sandbox', vendor: 'KEYCARD' }] });
    const res = await h.exec(ListCredentialsDocument, { first: 500 }, keycardCaller);
    expect(res.errors).toBeUndefined();
    expect(res.data!.credentials.edges.length).toBeGreaterThan(0);
    expect(new Set(res.data!.credentials.edges.map((e) => e.node.account))).toEqual(new Set(['keycard-sandbox']));
    expect(res.data!.credentials.totalCount).toBe(res.data!.credentials.edges.length);
    expect(h.sim('keycard-sandbox').apiRequests().length).toBeGreaterThan(0);
    auth0Untouched();
  });

  it('reads a credential of the vendor, and resolves another vendor’s id to null, sending it nothing', async () => {
    const { id } = keycardCredential('github-actions');
    const own = await h.exec(NodeDocument, { id }, keycardCaller);
    expect(own.errors).toBeUndefined();
    expect(own.data?.node).toMatchObject({ __typename: 'KeycardCredential', id, name: 'github-actions' });
    const other = await h.exec(NodeDocument, { id: credentialOf('auth0-prod', 'billing-next') }, keycardCaller);
    expect(other.errors).toBeUndefined();
    expect(other.data?.node).toBeNull();
    auth0Untouched();
  });

  it('changes a credential of the vendor', async () => {
    const { sim, cred, id } = keycardCredential('github-actions');
    try {
      const res = await h.exec(UpdateCredentialDocument, { input: { id, name: 'github-actions-renamed' } }, keycardCaller);
      expect(res.data?.updateCredential).toMatchObject({ __typename: 'UpdateCredentialSuccess', credential: { id, name: 'github-actions-renamed' } });
      expect(sim.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(1);
      auth0Untouched();
    } finally {
      cred.name = 'github-actions';
    }
  });

  it('refuses a change in another vendor’s account with PermissionDeniedError, sending nothing', async () => {
    const res = await h.exec(UpdateCredentialDocument, { input: { id: credentialOf('auth0-prod', 'billing-next'), expiresAt: future() } }, keycardCaller);
    expect(res.data?.updateCredential).toMatchObject({
      __typename: 'PermissionDeniedError',
      message: 'caller "keycard-writer" lacks credentials:write on account "auth0-prod"',
      requiredScope: 'credentials:write',
      vendor: null,
      account: 'auth0-prod',
    });
    auth0Untouched();
  });

  it('refuses a rotation in another vendor’s account, though the caller holds keys:rotate in its own, sending nothing', async () => {
    const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: connectionOf('auth0-prod') } }, keycardCaller);
    expect(res.data?.rotateConnectionKeys).toMatchObject({
      __typename: 'PermissionDeniedError',
      message: 'caller "keycard-writer" lacks keys:rotate on account "auth0-prod"',
      requiredScope: 'keys:rotate',
      account: 'auth0-prod',
    });
    auth0Untouched();
  });

  it('holds a vendor-limited scope from a token the same way', async () => {
    const token = await jwt.sign({ sub: 'auth0-operator', scope: 'credentials:write@vendor:auth0 keys:rotate@vendor:auth0' });
    const bearer = { authorization: `Bearer ${token}` };
    const sim = h.sim('auth0-staging') as Auth0Simulator;
    const refused = await h.exec(UpdateCredentialDocument, { input: { id: keycardCredential('github-actions').id, name: 'never-sent' } }, bearer);
    expect(refused.data?.updateCredential).toMatchObject({ __typename: 'PermissionDeniedError', requiredScope: 'credentials:write', account: 'keycard-sandbox' });
    expect(h.sim('keycard-sandbox').requests).toEqual([]);
    const rotated = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: connectionOf('auth0-staging') } }, bearer);
    expect(rotated.data?.rotateConnectionKeys).toMatchObject({ __typename: 'RotateConnectionKeysSuccess', newKey: { role: 'NEXT' } });
    expect(sim.apiRequests().map((r) => `${r.method} ${r.route}`)).toEqual(['POST /api/v2/connections/:id/keys/rotate']);
  });
});

describe('audit log', () => {
  it('writes one record per mutation attempt with field names, never values', async () => {
    await h.gateway.audit.flush();
    const before = (await readFile(auditFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    const logged = h.logs.filter((l) => l.includes('"msg":"audit"')).length;
    const id = credentialOf('auth0-staging', 'billing-2025');
    await h.exec(UpdateCredentialDocument, { input: { id, expiresAt: future(60) } }, as(KEYS.admin));
    await h.exec(UpdateCredentialDocument, { input: { id, name: 'secret-looking-new-name' } }, as(KEYS.admin));
    await h.exec(UpdateCredentialDocument, { input: { id: credentialOf('auth0-prod', 'billing-2025'), expiresAt: future(60) } }, as(KEYS.stagingWriter));
    await h.gateway.audit.flush();
    const lines = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).slice(before);
    const records = lines.map((l) => JSON.parse(l) as AuditRecord);
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({ caller: 'admin', operation: 'updateCredential', vendor: 'AUTH0', account: 'auth0-staging', fields: ['expiresAt'], outcome: 'success', upstreamStatus: 201 });
    expect(records[0]!.requestId).toMatch(/[\w-]+/);
    expect(records[1]).toMatchObject({ fields: ['name'], outcome: 'UnsupportedChangeError', upstreamStatus: null });
    expect(records[2]).toMatchObject({ caller: 'staging-writer', vendor: 'AUTH0', account: 'auth0-prod', fields: ['expiresAt'], outcome: 'PermissionDeniedError' });
    expect(lines.join('\n')).not.toContain('secret-looking-new-name');
    expect(h.logs.filter((l) => l.includes('"msg":"audit"'))).toHaveLength(logged + 3);
  });

  it('names in a rotation’s record the vendor of the account its id points into, or none', async () => {
    await h.gateway.audit.flush();
    const before = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).length;
    const connectionIn = (account: string) => gid('Auth0Connection', account, 'con_x');
    for (const account of ['keycard-sandbox', 'no-such-account']) {
      await h.exec(RotateConnectionKeysDocument, { input: { connectionId: connectionIn(account) } }, as(KEYS.keycardWriter));
    }
    await h.exec(RotateConnectionKeysDocument, { input: { connectionId: 'not-an-id' } }, as(KEYS.keycardWriter));
    await h.gateway.audit.flush();
    const records = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).slice(before).map((l) => JSON.parse(l) as AuditRecord);
    expect(records.map((r) => [r.operation, r.vendor, r.account, r.outcome])).toEqual([
      ['rotateConnectionKeys', 'KEYCARD', 'keycard-sandbox', 'NotFoundError'],
      ['rotateConnectionKeys', null, 'no-such-account', 'PermissionDeniedError'],
      ['rotateConnectionKeys', null, null, 'ValidationError'],
    ]);
    nothingUpstream(h);
  });

  it('records mutations refused by scope before any resolver ran, with the target and fields their input named', async () => {
    await h.gateway.audit.flush();
    const before = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).length;
    const connection = connectionOf('auth0-prod');
    await h.exec(RotateConnectionKeysDocument, { input: { connectionId: connection, signingAlg: 'RS256' } }, as(KEYS.reader));
    await h.exec(UpdateCredentialDocument, { input: { id: credentialOf('auth0-prod', 'billing-2025'), name: 'never-sent-name' } }, as(KEYS.reader));
    await h.gateway.audit.flush();
    const lines = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).slice(before);
    const records = lines.map((l) => JSON.parse(l) as AuditRecord);
    expect(records).toEqual([
      expect.objectContaining({ caller: 'reader', operation: 'rotateConnectionKeys', vendor: 'AUTH0', account: 'auth0-prod', target: parseGlobalId(connection).path, fields: ['signingAlg'], outcome: 'PermissionDeniedError' }),
      expect.objectContaining({ caller: 'reader', operation: 'updateCredential', vendor: 'AUTH0', account: 'auth0-prod', fields: ['name'], outcome: 'PermissionDeniedError' }),
    ]);
    expect(records[1]!.target).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('never-sent-name');
  });

  it('lists a rotation with signingAlg: null as having changed no field, whether scope refused it or it ran (null, like none, takes the default)', async () => {
    await h.gateway.audit.flush();
    const before = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).length;
    const input = { connectionId: connectionOf('auth0-prod'), signingAlg: null };
    const refused = await h.exec(RotateConnectionKeysDocument, { input }, as(KEYS.reader));
    expect(refused.data?.rotateConnectionKeys.__typename).toBe('PermissionDeniedError');
    const ran = await h.exec(RotateConnectionKeysDocument, { input }, as(KEYS.admin));
    expect(ran.data?.rotateConnectionKeys.__typename).toBe('RotateConnectionKeysSuccess');
    await h.gateway.audit.flush();
    const records = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).slice(before).map((l) => JSON.parse(l) as AuditRecord);
    expect(records.map((r) => [r.caller, r.operation, r.fields, r.outcome])).toEqual([
      ['reader', 'rotateConnectionKeys', [], 'PermissionDeniedError'],
      ['admin', 'rotateConnectionKeys', [], 'success'],
    ]);
  });
});
