import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../../src/schema/global-id.js';
import { generateCertificate } from '../../../src/sim/x509.js';
import { GATEWAY_SCOPES, type Auth0Simulator } from '../../../src/vendors/auth0/simulator.js';
import {
  ListCredentialsDocument,
  NodeDocument,
  NodesDocument,
  RotateConnectionKeysDocument,
  UpdateCredentialDocument,
} from '../../gql/graphql.js';
import { calls, startHarness, type Harness } from '../../fixtures/harness.js';
import { auth0Credential } from '../../fixtures/ids.js';
import { ACCOUNT_FAILURES } from '../../fixtures/faults.js';

const PROD = 'auth0-prod';
const STAGING = 'auth0-staging';
let h: Harness;
let prod: Auth0Simulator;
let staging: Auth0Simulator;

beforeAll(async () => {
  h = await startHarness({ accounts: { auth0: [PROD, STAGING] } });
  prod = h.sim(PROD) as Auth0Simulator;
  staging = h.sim(STAGING) as Auth0Simulator;
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const credentialId = (sim: Auth0Simulator, name: string) => auth0Credential(sim, account(sim), name);
const account = (sim: Auth0Simulator) => (sim === prod ? PROD : STAGING);
const connectionGlobalId = (sim: Auth0Simulator, name: string) => {
  const c = sim.state.connections.find((x) => x.name === name)!;
  return { id: c.id, globalId: encodeGlobalId('Auth0Connection', JSON.stringify([account(sim), c.id])) };
};
const apiCalls = calls;

/** Other vendors' sandboxes run too; these tests look at Auth0 only. */
const AUTH0_ONLY = { vendors: ['AUTH0' as const] };

async function listAll(filter?: Record<string, unknown>) {
  const res = await h.exec(ListCredentialsDocument, { filter: { ...AUTH0_ONLY, ...filter }, first: 500 });
  expect(res.errors).toBeUndefined();
  return res.data!.credentials;
}

describe('credentials across Auth0 accounts', () => {
  it('lists every client credential and connection key of both tenants', async () => {
    const conn = await listAll();
    const expected = (sim: Auth0Simulator) =>
      [...sim.state.credentials.values()].flat().length + [...sim.state.keys.values()].flat().length;
    expect(conn.totalCount).toBe(expected(prod) + expected(staging));
    const accounts = new Set(conn.edges.map((e) => e.node.account));
    expect(accounts).toEqual(new Set([PROD, STAGING]));
    const types = new Set(conn.edges.map((e) => e.node.__typename));
    expect(types).toEqual(new Set(['Auth0ClientCredential', 'Auth0ConnectionKey']));
  });

  it('asks for its first token with the client-credentials grant as a form, before any API call, and uses it', async () => {
    // A gateway of its own: no token cached by an earlier test, so this one must be fetched.
    const fresh = await startHarness({ accounts: { auth0: [PROD] } });
    try {
      const sim = fresh.sim(PROD) as Auth0Simulator;
      const res = await fresh.exec(ListCredentialsDocument, { filter: { accounts: [PROD] }, first: 500 });
      expect(res.errors).toBeUndefined();
      const tokens = sim.requests.filter((r) => r.path === '/oauth/token');
      expect(tokens).toHaveLength(1);
      const token = tokens[0]!;
      expect(sim.requests[0]).toBe(token);
      expect(token.method).toBe('POST');
      expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
      // Parsed from the form by the simulator: exactly the four documented fields.
      expect(token.body).toEqual({
        grant_type: 'client_credentials',
        client_id: sim.state.m2m.clientId,
        client_secret: sim.state.m2m.clientSecret,
        audience: `${sim.url}/api/v2/`,
      });
      const issued = [...sim.state.tokens.keys()];
      expect(issued).toHaveLength(1);
      expect(sim.apiRequests().length).toBeGreaterThan(0);
      for (const r of sim.apiRequests()) expect(r.headers.authorization).toBe(`Bearer ${issued[0]}`);
    } finally {
      await fresh.close();
    }
  });

  it('calls each resource exactly once', async () => {
    await listAll();
    const calls = apiCalls(prod);
    expect(calls).toContain('GET /api/v2/clients?fields=client_id%2Cname%2Cdescription%2Capp_type%2Cis_first_party&include_fields=true&take=100');
    expect(calls).toContain('GET /api/v2/connections?strategy=okta&strategy=oidc&take=100');
    const clientCalls = prod.state.clients.map((c) => `GET /api/v2/clients/${c.client_id}/credentials`);
    const keyedConnections = prod.state.connections.filter((c) => c.strategy === 'okta' || c.strategy === 'oidc');
    const keyCalls = keyedConnections.map((c) => `GET /api/v2/connections/${c.id}/keys`);
    expect(calls.sort()).toEqual(
      [
        'GET /api/v2/clients?fields=client_id%2Cname%2Cdescription%2Capp_type%2Cis_first_party&include_fields=true&take=100',
        'GET /api/v2/connections?strategy=okta&strategy=oidc&take=100',
        ...clientCalls,
        ...keyCalls,
      ].sort(),
    );
    for (const r of prod.apiRequests()) expect(r.headers.authorization).toMatch(/^Bearer [\w-]+$/);
  });

  it('follows checkpoint pagination until Auth0 stops returning next', async () => {
    const extra = Array.from({ length: 230 }, (_, i) => ({
      client_id: `bulk${String(i).padStart(28, '0')}`,
      tenant: prod.state.tenant,
      name: `bulk ${i}`,
      app_type: 'spa',
      is_first_party: true,
      client_secret: 'x',
    }));
    prod.state.clients.push(...extra);
    try {
      const res = await h.exec(NodeDocument, { id: encodeGlobalId('Auth0Client', JSON.stringify([PROD, extra[229]!.client_id])) });
      expect(res.data?.node).toMatchObject({ __typename: 'Auth0Client', name: 'bulk 229' });
      const pages = prod.apiRequests().filter((r) => r.path.startsWith('/api/v2/clients?'));
      expect(pages).toHaveLength(3);
      expect(pages[0]!.query.from).toBeUndefined();
      expect(pages[1]!.query.from).toHaveLength(1);
    } finally {
      prod.state.clients.splice(-230);
    }
  });

  it('follows the checkpoint of an empty page instead of taking it for the end: every client and its credentials are listed', async () => {
    const before = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD] }, first: 500 });
    const pagesBefore = prod.apiRequests().filter((r) => r.path.startsWith('/api/v2/clients?')).length;
    h.reset();
    // The simulator's checkpoint for "from the start": the page after the empty one is the first real one.
    const from = Buffer.from('0').toString('base64url');
    prod.inject({ method: 'GET', route: '/api/v2/clients', status: 200, json: { clients: [], next: from }, times: 1 });
    const res = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD] }, first: 500 });
    expect(res.errors).toBeUndefined();
    expect(res.data!.credentials.failedAccounts).toEqual([]);
    expect(res.data!.credentials.totalCount).toBe(before.data!.credentials.totalCount);
    expect(res.data!.credentials.edges.map((e) => e.node.id)).toEqual(before.data!.credentials.edges.map((e) => e.node.id));
    expect(res.data!.credentials.edges.some((e) => e.node.__typename === 'Auth0ClientCredential')).toBe(true);
    // One page more than before (the empty one), the next asked for with its checkpoint.
    const pages = prod.apiRequests().filter((r) => r.path.startsWith('/api/v2/clients?'));
    expect(pages).toHaveLength(pagesBefore + 1);
    expect(pages[0]!.query.from).toBeUndefined();
    expect(pages[1]!.query.from).toEqual([from]);
  });

  it('lists no connection of a strategy without keys, should Auth0 return one the filter left out: the tenant is listed, not failed', async () => {
    const keyed = prod.state.connections.filter((c) => c.strategy === 'okta' || c.strategy === 'oidc');
    const page = { connections: [...keyed.map((c) => ({ id: c.id, name: c.name, strategy: c.strategy })), { id: 'con_db', name: 'Username-Password', strategy: 'auth0' }] };
    prod.inject({ method: 'GET', route: '/api/v2/connections', status: 200, json: page, times: 1 });
    const res = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD] }, first: 500 });
    expect(res.errors).toBeUndefined();
    expect(res.data!.credentials.failedAccounts).toEqual([]);
    const keyCalls = prod.apiRequests().filter((r) => /^\/api\/v2\/connections\/[^/]+\/keys$/.test(r.path.split('?')[0]!));
    expect(keyCalls.map((r) => r.path.split('/')[4])).not.toContain('con_db');
    expect(keyCalls).toHaveLength(keyed.length);
  });

  it('reports a checkpoint Auth0 repeats as an error naming the account, instead of looping or returning duplicates', async () => {
    const page = { clients: [{ client_id: 'loop-client', name: 'loop' }], next: 'same-checkpoint' };
    prod.inject({ method: 'GET', route: '/api/v2/clients', status: 200, json: page, times: 5 });
    const res = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD] }, first: 10 });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      message: 'AUTH0 account "auth0-prod" repeated a page token while listing',
      extensions: { code: 'UPSTREAM_ERROR', vendor: 'AUTH0', account: PROD },
    });
    expect(prod.apiRequests().filter((r) => r.path.startsWith('/api/v2/clients?'))).toHaveLength(2);
  });

  it('filters by vendor, account, status, kind and expiresBefore', async () => {
    const onlyStaging = await listAll({ accounts: [STAGING] });
    expect(onlyStaging.edges.every((e) => e.node.account === STAGING)).toBe(true);
    expect(apiCalls(prod).filter((c) => c.includes('/credentials'))).toHaveLength(0);

    const expired = await listAll({ statuses: ['EXPIRED'] });
    expect(expired.edges.length).toBeGreaterThan(0);
    expect(expired.edges.every((e) => e.node.status === 'EXPIRED' && new Date(e.node.expiresAt!) < new Date())).toBe(true);

    const keys = await listAll({ kinds: ['SIGNING_KEY'], vendors: ['AUTH0'] });
    expect(keys.edges.every((e) => e.node.__typename === 'Auth0ConnectionKey')).toBe(true);

    const cutoff = new Date(Date.now() + 30 * 86_400_000);
    const soon = await listAll({ expiresBefore: cutoff.toISOString() });
    expect(soon.edges.every((e) => e.node.expiresAt !== null && new Date(e.node.expiresAt!) < cutoff)).toBe(true);
    const names = soon.edges.map((e) => e.node.name);
    expect(names).toContain('billing-2025');
    expect(names).not.toContain('billing-next');
    expect(names).not.toContain('inventory-key');
  });

  it('treats an empty filter list like an absent one: it filters nothing', async () => {
    const count = async (filter: Record<string, unknown>) => (await h.exec(ListCredentialsDocument, { filter, first: 1 })).data!.credentials.totalCount;
    const all = await count({});
    expect(all).toBeGreaterThan(0);
    expect(await count({ vendors: [], accounts: [], statuses: [], kinds: [] })).toBe(all);
  });

  it('lists only one owner when filtered by owner', async () => {
    const client = prod.state.clients.find((c) => c.name === 'Billing Service')!;
    const owner = encodeGlobalId('Auth0Client', JSON.stringify([PROD, client.client_id]));
    const conn = await listAll({ owner });
    expect(conn.edges.map((e) => e.node.name).sort()).toEqual(['billing-2024', 'billing-2025', 'billing-next']);
    expect(apiCalls(staging)).toEqual([]);
  });

  it('ANDs an owner with accounts: an owner outside the listed accounts matches nothing, and no other account is asked', async () => {
    const client = prod.state.clients.find((c) => c.name === 'Billing Service')!;
    const owner = encodeGlobalId('Auth0Client', JSON.stringify([PROD, client.client_id]));
    expect((await listAll({ owner, accounts: [STAGING] })).totalCount).toBe(0);
    const both = await listAll({ owner, accounts: [PROD, STAGING] });
    expect(both.edges.map((e) => e.node.name).sort()).toEqual(['billing-2024', 'billing-2025', 'billing-next']);
    expect(apiCalls(staging)).toEqual([]);
  });

  it('computes status uniformly from expiresAt and the 30-day window', async () => {
    const conn = await listAll({ accounts: [PROD] });
    const status = (name: string) => conn.edges.find((e) => e.node.name === name)?.node.status;
    expect(status('billing-2024')).toBe('EXPIRED');
    expect(status('billing-2025')).toBe('EXPIRING');
    expect(status('inventory-mtls')).toBe('EXPIRING');
    expect(status('billing-next')).toBe('ACTIVE');
    expect(status('inventory-key')).toBe('NEVER_EXPIRES');
  });

  it('reports a certificate credential Auth0 holds no expiry for as UNKNOWN, not NEVER_EXPIRES: its certificate still expires', async () => {
    const creds = [...prod.state.credentials.values()].find((list) => list.length > 0)!;
    const added = (['cert_subject_dn', 'x509_cert'] as const).map((type, i) => ({ ...creds[0]!, id: `cred_NoExpiry${i}000000000000`, name: `no-expiry-${type}`, credential_type: type, expires_at: undefined }));
    creds.push(...added);
    try {
      const unknown = await listAll({ accounts: [PROD], statuses: ['UNKNOWN'] });
      expect(unknown.edges.map((e) => [e.node.name, e.node.status, e.node.expiresAt])).toEqual([
        ['no-expiry-cert_subject_dn', 'UNKNOWN', null],
        ['no-expiry-x509_cert', 'UNKNOWN', null],
      ]);
      // Both types are certificates, a subject DN's too.
      const certificates = await listAll({ accounts: [PROD], statuses: ['UNKNOWN'], kinds: ['CERTIFICATE'] });
      expect(certificates.edges.map((e) => e.node.name)).toEqual(['no-expiry-cert_subject_dn', 'no-expiry-x509_cert']);
    } finally {
      creds.splice(creds.length - added.length, added.length);
    }
  });

  it('answers an expiry whose offset carries it past 9999 (or before 0000) in UTC as the nearest date an RFC 3339 DateTime can write, its status unchanged', async () => {
    const creds = [...prod.state.credentials.values()].find((list) => list.length > 0)!;
    const edges = ['9999-12-31T23:59:59-01:00', '0000-01-01T00:00:00+01:00', '9999-12-31T23:59:59Z'].map((expires_at, i) => ({
      ...creds[0]!,
      id: `cred_FarOff${i}00000000000000`,
      name: `far-off-${i}`,
      credential_type: 'public_key' as const,
      expires_at,
    }));
    creds.push(...edges);
    try {
      const listed = (await listAll({ accounts: [PROD] })).edges.filter((e) => e.node.name?.startsWith('far-off-'));
      expect(listed.map((e) => [e.node.name, e.node.status, e.node.expiresAt])).toEqual([
        ['far-off-1', 'EXPIRED', '0000-01-01T00:00:00.000Z'],
        ['far-off-2', 'ACTIVE', '9999-12-31T23:59:59.000Z'],
        ['far-off-0', 'ACTIVE', '9999-12-31T23:59:59.999Z'],
      ]);
    } finally {
      creds.splice(creds.length - edges.length, edges.length);
    }
  });

  it('reports a key whose certificate cannot be read as UNKNOWN, listed first, while the rest of the tenant answers', async () => {
    const [connectionId, keys] = [...prod.state.keys.entries()][0]!;
    const key = keys[0]!;
    const cert = key.cert;
    key.cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const logsBefore = h.logs.length;
    try {
      const res = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD] }, first: 500 });
      expect(res.errors).toBeUndefined();
      const edges = res.data!.credentials.edges;
      expect(edges[0]!.node).toMatchObject({ externalId: key.kid, status: 'UNKNOWN', expiresAt: null });
      expect(edges.filter((e) => e.node.status === 'UNKNOWN')).toHaveLength(1);
      expect(res.data!.credentials.totalCount).toBe([...prod.state.credentials.values()].flat().length + [...prod.state.keys.values()].flat().length);
      const unknown = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD], statuses: ['UNKNOWN'] } });
      expect(unknown.data!.credentials.edges.map((e) => e.node.externalId)).toEqual([key.kid]);
      // Operators are told once, not on every list, and which key it is.
      const warnings = h.logs.slice(logsBefore).filter((l) => l.includes('cannot read'));
      expect(warnings.map((l) => JSON.parse(l))).toEqual([
        expect.objectContaining({ level: 40, vendor: 'AUTH0', account: PROD, field: 'cert', item: `${connectionId}/${key.kid}`, shownAs: 'UNKNOWN' }),
      ]);
    } finally {
      key.cert = cert;
    }
  });

  it('answers a key whose certificate expired in the year 50 with that date and EXPIRED, not a date in 1950', async () => {
    const key = [...prod.state.keys.values()][0]![0]!;
    const cert = key.cert;
    const [notBefore, notAfter] = [new Date('0001-01-01T00:00:00Z'), new Date('0050-06-15T12:34:56Z')];
    key.cert = (await generateCertificate({ commonName: 'old', alg: 'ES256', notBefore, notAfter })).cert;
    try {
      const res = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD] }, first: 500 });
      expect(res.errors).toBeUndefined();
      const node = res.data!.credentials.edges.find((e) => e.node.externalId === key.kid)!.node;
      expect(node).toMatchObject({ status: 'EXPIRED', createdAt: '0001-01-01T00:00:00.000Z', expiresAt: '0050-06-15T12:34:56.000Z' });
    } finally {
      key.cert = cert;
    }
  });

  it('answers a key whose certificate has no expiration date (notAfter 99991231235959Z) as NEVER_EXPIRES with no expiresAt, as the filters find it', async () => {
    const key = [...prod.state.keys.values()][0]![0]!;
    const cert = key.cert;
    key.cert = (await generateCertificate({ commonName: 'forever', alg: 'ES256', notAfter: new Date('9999-12-31T23:59:59Z') })).cert;
    try {
      const never = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD], statuses: ['NEVER_EXPIRES'] }, first: 500 });
      expect(never.errors).toBeUndefined();
      expect(never.data!.credentials.edges.find((e) => e.node.externalId === key.kid)?.node).toMatchObject({ status: 'NEVER_EXPIRES', expiresAt: null });
      // Like any credential that never expires, it matches no expiresBefore: not even the last instant a DateTime can write.
      const dated = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD], expiresBefore: '9999-12-31T23:59:59.999Z' }, first: 500 });
      expect(dated.errors).toBeUndefined();
      expect(dated.data!.credentials.edges.map((e) => e.node.externalId)).not.toContain(key.kid);
    } finally {
      key.cert = cert;
    }
  });

  it('takes the EXPIRING window from expiryWarningDays: at 7 days, a credential 9 days from expiry is ACTIVE, and the filter agrees', async () => {
    const week = await startHarness({ accounts: { auth0: [PROD] }, config: { expiryWarningDays: 7 } });
    try {
      const res = await week.exec(ListCredentialsDocument, { filter: { ...AUTH0_ONLY, statuses: ['EXPIRING'] }, first: 500 });
      expect(res.errors).toBeUndefined();
      expect(res.data!.credentials.edges.map((e) => e.node.name)).not.toContain('billing-2025');
      const all = await week.exec(ListCredentialsDocument, { filter: AUTH0_ONLY, first: 500 });
      expect(all.data!.credentials.edges.find((e) => e.node.name === 'billing-2025')?.node.status).toBe('ACTIVE');
    } finally {
      await week.close();
    }
  });

  it('orders by soonest expiry and pages with stable cursors both ways', async () => {
    const all = (await listAll()).edges.map((e) => e.node.id);
    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const res = await h.exec(ListCredentialsDocument, { filter: AUTH0_ONLY, first: 7, after });
      const page = res.data!.credentials;
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);
    const tail = await h.exec(ListCredentialsDocument, { filter: AUTH0_ONLY, last: 3 });
    expect(tail.data!.credentials.edges.map((e) => e.node.id)).toEqual(all.slice(-3));
    expect(tail.data!.credentials.pageInfo.hasPreviousPage).toBe(true);
    const expiries = (await listAll()).edges.map((e) => e.node.expiresAt).filter((x): x is string => x !== null);
    expect(expiries).toEqual([...expiries].sort((a, b) => Date.parse(a) - Date.parse(b)));
  });

  it('refuses a cursor it did not issue', async () => {
    const res = await h.exec(ListCredentialsDocument, { first: 2, after: 'bm90LWEtY3Vyc29y' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('node and nodes', () => {
  it('resolves a client credential with every vendor field, and its owner', async () => {
    const { globalId, clientId, credentialId: cid } = credentialId(prod, 'inventory-mtls');
    const res = await h.exec(NodeDocument, { id: globalId });
    expect(res.data?.node).toMatchObject({
      __typename: 'Auth0ClientCredential',
      id: globalId,
      vendor: 'AUTH0',
      account: PROD,
      externalId: cid,
      kind: 'CERTIFICATE',
      credentialType: 'X509_CERT',
      alg: 'RS256',
      owner: { __typename: 'Auth0Client', externalId: clientId, name: 'Inventory Sync' },
    });
    expect(apiCalls(prod)).toContain(`GET /api/v2/clients/${clientId}/credentials/${cid}`);
  });

  it("answers a client deleted between reading it and reading its credentials as holding none, as a list or an owner filter does: no error", async () => {
    const client = prod.state.clients.find((c) => c.name === 'Billing Service')!;
    const owner = encodeGlobalId('Auth0Client', JSON.stringify([PROD, client.client_id]));
    prod.inject({ route: '/api/v2/clients/:client_id/credentials', params: { client_id: client.client_id }, status: 404, json: { statusCode: 404, error: 'Not Found', message: 'Client not found' } });
    const query = `{ node(id: "${owner}") { ... on Auth0Client { externalId credentials { id } } } }`;
    const res = (await (await h.post(JSON.stringify({ query }))).json()) as { data?: { node: unknown }; errors?: unknown[] };
    expect(res.errors).toBeUndefined();
    expect(res.data!.node).toEqual({ externalId: client.client_id, credentials: [] });
  });

  it('resolves a connection key with its certificate, roles and certificate expiry', async () => {
    const conn = prod.state.connections.find((c) => c.name === 'okta-workforce')!;
    const key = prod.state.keys.get(conn.id)!.find((k) => k.current)!;
    const res = await h.exec(NodeDocument, { id: encodeGlobalId('Auth0ConnectionKey', JSON.stringify([PROD, conn.id, key.kid])) });
    const node = res.data!.node as Record<string, unknown>;
    expect(node).toMatchObject({ __typename: 'Auth0ConnectionKey', kid: key.kid, role: 'CURRENT', current: true, algorithm: 'RS256', keyUse: 'SIGNING', fingerprint: key.fingerprint });
    expect(node.expiresAt).toBe(new Date(new X509Certificate(key.cert).validTo).toISOString());
  });

  it("answers a connection key's createdAt with its certificate's notBefore, which Auth0 does not report, as the key's description says", async () => {
    const conn = prod.state.connections.find((c) => c.name === 'okta-workforce')!;
    const key = prod.state.keys.get(conn.id)!.find((k) => k.current)!;
    const res = await h.exec(NodeDocument, { id: encodeGlobalId('Auth0ConnectionKey', JSON.stringify([PROD, conn.id, key.kid])) });
    expect(res.errors).toBeUndefined();
    expect((res.data!.node as Record<string, unknown>).createdAt).toBe(new Date(new X509Certificate(key.cert).validFrom).toISOString());
    // Credential.createdAt says "null when the vendor does not report it": the key's own type says where it comes from instead.
    const described = await h.post(JSON.stringify({ query: '{ __type(name: "Auth0ConnectionKey") { description } }' }));
    const { description } = ((await described.json()) as { data: { __type: { description: string } } }).data.__type;
    expect(description).toMatch(/`createdAt`[^.]*notBefore/);
  });

  it('reads current_since strictly: "1" is no year 2001 but null, reported, and a key missing its fingerprint is listed with it empty', async () => {
    const conn = prod.state.connections.find((c) => c.name === 'okta-workforce')!;
    const key = prod.state.keys.get(conn.id)!.find((k) => k.current)!;
    const [savedKey, savedConn] = [{ ...key }, { ...conn }];
    const before = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD] }, first: 500 });
    Object.assign(key, { current_since: '1', pkcs: null, subject_dn: null });
    delete (key as Partial<typeof key>).fingerprint;
    Object.assign(conn, { display_name: null, realms: null });
    const logsBefore = h.logs.length;
    try {
      const id = encodeGlobalId('Auth0ConnectionKey', JSON.stringify([PROD, conn.id, key.kid]));
      const query = `query($id: ID!) { node(id: $id) { ... on Auth0ConnectionKey {
        currentSince fingerprint thumbprint pkcs subjectDn status role owner { ... on Auth0Connection { displayName realms } } } } }`;
      const res = (await (await h.post(JSON.stringify({ query, variables: { id } }))).json()) as { data: { node: Record<string, unknown> }; errors?: unknown };
      expect(res.errors).toBeUndefined();
      expect(res.data.node).toMatchObject({
        currentSince: null,
        fingerprint: '',
        thumbprint: key.thumbprint,
        pkcs: null,
        subjectDn: null,
        role: 'CURRENT',
        owner: { displayName: null, realms: [] },
      });
      expect(res.data.node.status).not.toBe('UNKNOWN');
      // The tenant's list is whole: nothing failed, nothing missing.
      const list = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD] }, first: 500 });
      expect(list.errors).toBeUndefined();
      expect(list.data!.credentials.failedAccounts).toEqual([]);
      expect(list.data!.credentials.totalCount).toBe(before.data!.credentials.totalCount);
      const warnings = h.logs.slice(logsBefore).filter((l) => l.includes('cannot read')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(warnings.map((w) => `${String(w.field)} ${String(w.item)} ${String(w.shownAs)}`)).toEqual([
        `fingerprint ${conn.id}/${key.kid} empty`,
        `current_since ${conn.id}/${key.kid} null`,
      ]);
    } finally {
      Object.assign(key, savedKey);
      Object.assign(conn, savedConn);
    }
  });

  it('resolves owners with their credentials', async () => {
    const client = prod.state.clients.find((c) => c.name === 'Billing Service')!;
    const res = await h.exec(NodeDocument, { id: encodeGlobalId('Auth0Client', JSON.stringify([PROD, client.client_id])) });
    const node = res.data!.node as { credentials: { externalId: string }[] };
    expect(node.credentials.map((c) => c.externalId).sort()).toEqual(prod.state.credentials.get(client.client_id)!.map((c) => c.id).sort());
  });

  // As a Keycard organization's list 404ing is no deleted service account: an owner is read from
  // the tenant's own list, whose 404 says nothing about that owner.
  it.each([
    ['client', 'Auth0Client', '/api/v2/clients', () => prod.state.clients[0]!.client_id],
    ['connection', 'Auth0Connection', '/api/v2/connections', () => prod.state.connections.find((c) => c.strategy === 'okta')!.id],
  ])('reports the tenant\'s %s list answering 404 as the account failing, not as the owner gone (null)', async (_what, typename, route, ownerId) => {
    prod.inject({ route, method: 'GET', status: 404 });
    const res = await h.exec(NodeDocument, { id: encodeGlobalId(typename, JSON.stringify([PROD, ownerId()])) });
    expect(res.data?.node).toBeNull();
    expect(res.errors).toEqual([expect.objectContaining({ path: ['node'], extensions: expect.objectContaining({ code: 'NOT_FOUND', vendor: 'AUTH0', account: PROD }) })]);
  });

  it('returns null for a credential that does not exist and an error for a malformed id', async () => {
    const missing = encodeGlobalId('Auth0ClientCredential', JSON.stringify([PROD, 'nosuchclient', 'cred_nope']));
    const res = await h.exec(NodesDocument, { ids: [missing, 'not-an-id!'] });
    expect(res.data?.nodes).toEqual([null, null]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['nodes', 1], extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses a connection key id whose kid is over 255 characters as malformed, sending nothing; 255 is looked up', async () => {
    const conn = prod.state.connections.find((c) => c.strategy === 'okta' || c.strategy === 'oidc')!;
    const keyId = (kid: string) => encodeGlobalId('Auth0ConnectionKey', JSON.stringify([PROD, conn.id, kid]));
    const tooLong = await h.exec(NodeDocument, { id: keyId('k'.repeat(256)) });
    expect(tooLong.data?.node).toBeNull();
    expect(tooLong.errors).toEqual([
      expect.objectContaining({ message: 'Malformed id: not an id issued by this gateway', path: ['node'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
    expect(prod.requests).toEqual([]);
    // At the limit: a well-formed id of a key that does not exist, looked up in its connection's key list.
    const longest = await h.exec(NodeDocument, { id: keyId('k'.repeat(255)) });
    expect(longest.errors).toBeUndefined();
    expect(longest.data?.node).toBeNull();
    expect(apiCalls(prod)).toEqual([`GET /api/v2/connections/${conn.id}/keys`]);
  });

  it('makes one upstream call per distinct resource even when a query asks twice', async () => {
    const { globalId, clientId, credentialId: cid } = credentialId(prod, 'billing-2025');
    const query = `query($id: ID!) {
      a: node(id: $id) { id } b: node(id: $id) { id }
      c: nodes(ids: [$id, $id]) { id }
      d: credentials(filter: { accounts: ["${PROD}"] }) { totalCount }
      e: credentials(filter: { accounts: ["${PROD}"], statuses: [EXPIRED] }) { totalCount }
    }`;
    const res = await h.post(JSON.stringify({ query, variables: { id: globalId } }));
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    const calls = apiCalls(prod);
    expect(new Set(calls).size).toBe(calls.length);
    expect(calls.filter((c) => c.endsWith(`/credentials/${cid}`))).toHaveLength(1);
    expect(calls.filter((c) => c === `GET /api/v2/clients/${clientId}/credentials`)).toHaveLength(1);
  });
});

describe('Auth0 owners’ own fields', () => {
  it('tells a client’s app_type and is_first_party and a connection’s strategy as the tenant reports them, null when a client leaves them out', async () => {
    const portal = prod.state.clients.find((c) => c.name === 'Customer Portal')!;
    const billing = prod.state.clients.find((c) => c.name === 'Billing Service')!;
    const saved = { ...billing };
    delete (billing as Partial<typeof billing>).app_type;
    delete (billing as Partial<typeof billing>).is_first_party;
    try {
      const ids = [
        encodeGlobalId('Auth0Client', JSON.stringify([PROD, portal.client_id])),
        encodeGlobalId('Auth0Client', JSON.stringify([PROD, billing.client_id])),
        connectionGlobalId(prod, 'okta-workforce').globalId,
        connectionGlobalId(prod, 'partner-oidc').globalId,
      ];
      const query = `query($ids: [ID!]!) { nodes(ids: $ids) {
        ... on Auth0Client { name appType isFirstParty } ... on Auth0Connection { name strategy } } }`;
      const res = (await (await h.post(JSON.stringify({ query, variables: { ids } }))).json()) as { data: { nodes: unknown[] }; errors?: unknown };
      expect(res.errors).toBeUndefined();
      expect(res.data.nodes).toEqual([
        { name: 'Customer Portal', appType: 'regular_web', isFirstParty: true },
        { name: 'Billing Service', appType: null, isFirstParty: null },
        { name: 'okta-workforce', strategy: 'okta' },
        { name: 'partner-oidc', strategy: 'oidc' },
      ]);
    } finally {
      Object.assign(billing, saved);
    }
  });
});

describe('updateCredential on Auth0', () => {
  it('sets a new expiry with PATCH expires_at and returns the updated credential', async () => {
    const { globalId, clientId, credentialId: cid } = credentialId(prod, 'billing-2025');
    const expiresAt = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const res = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'UpdateCredentialSuccess', credential: { id: globalId, expiresAt, status: 'ACTIVE' } });
    const patch = prod.apiRequests().filter((r) => r.method === 'PATCH');
    expect(patch).toHaveLength(1);
    expect(patch[0]).toMatchObject({ path: `/api/v2/clients/${clientId}/credentials/${cid}`, body: { expires_at: expiresAt } });
    expect(patch[0]!.headers['content-type']).toBe('application/json');
    expect(patch[0]!.headers.authorization).toMatch(/^Bearer /);
  });

  it('clears the expiry when expiresAt is null', async () => {
    const { globalId } = credentialId(prod, 'billing-2024');
    const res = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: null } });
    expect(res.data?.updateCredential).toMatchObject({ credential: { expiresAt: null, status: 'NEVER_EXPIRES' } });
    expect(prod.apiRequests().find((r) => r.method === 'PATCH')!.body).toEqual({ expires_at: null });
  });

  it.each([
    ['name', { name: 'renamed' }],
    ['description', { description: 'new' }],
    ['value', { value: 'hunter2-secret-value' }],
  ])('refuses %s with UnsupportedChangeError and sends nothing', async (field, change) => {
    const { globalId } = credentialId(prod, 'billing-next');
    const res = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), ...change } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'UnsupportedChangeError', vendor: 'AUTH0', unsupportedFields: [field], supportedFields: ['expiresAt'] });
    expect(prod.requests.filter((r) => r.method !== 'POST' || r.path !== '/oauth/token')).toEqual([]);
    expect(JSON.stringify(res)).not.toContain('hunter2-secret-value');
  });

  it('refuses an input that changes nothing, sending nothing', async () => {
    const { globalId } = credentialId(prod, 'billing-next');
    const res = await h.exec(UpdateCredentialDocument, { input: { id: globalId } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'input' }] });
    expect(prod.requests).toEqual([]);
  });

  it('refuses a past expiry before sending', async () => {
    const { globalId } = credentialId(prod, 'billing-next');
    const res = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: '2001-01-01T00:00:00Z' } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'input.expiresAt', message: 'must be in the future' }] });
    expect(prod.requests).toEqual([]);
  });

  it('refuses to edit a connection key (keys are rotated, not edited)', async () => {
    const conn = prod.state.connections.find((c) => c.name === 'okta-workforce')!;
    const kid = prod.state.keys.get(conn.id)![0]!.kid;
    const res = await h.exec(UpdateCredentialDocument, {
      input: { id: encodeGlobalId('Auth0ConnectionKey', JSON.stringify([PROD, conn.id, kid])), expiresAt: null },
    });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'UnsupportedChangeError', unsupportedFields: ['expiresAt'], supportedFields: [] });
    expect(prod.requests).toEqual([]);
  });

  it('maps a vendor 404 to NotFoundError naming the account', async () => {
    const { clientId } = credentialId(prod, 'billing-next');
    const id = encodeGlobalId('Auth0ClientCredential', JSON.stringify([PROD, clientId, 'cred_doesnotexist']));
    const res = await h.exec(UpdateCredentialDocument, { input: { id, expiresAt: null } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'NotFoundError', vendor: 'AUTH0', account: PROD });
    expect(res.data?.updateCredential).toHaveProperty('message', expect.stringContaining('The credential does not exist'));
    expect(prod.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('maps a vendor 400 to ValidationError with the vendor message', async () => {
    const { globalId } = credentialId(prod, 'billing-next');
    prod.inject({ method: 'PATCH', status: 400, json: { statusCode: 400, error: 'Bad Request', message: 'Payload validation error', errorCode: 'invalid_body' } });
    const res = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: null } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'ValidationError', vendor: 'AUTH0', account: PROD, message: expect.stringContaining('Payload validation error') });
    // Refused input is not retried.
    expect(prod.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('refreshes the token once after a 401 and then succeeds', async () => {
    const { globalId } = credentialId(prod, 'billing-next');
    await h.exec(NodeDocument, { id: globalId }); // a token is cached now
    h.reset();
    prod.revokeTokens();
    const res = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: null } });
    expect(res.data?.updateCredential.__typename).toBe('UpdateCredentialSuccess');
    expect(prod.requests.slice(0, 3).map((r) => `${r.method} ${r.route}`)).toEqual([
      'PATCH /api/v2/clients/:client_id/credentials/:credential_id',
      'POST /oauth/token',
      'PATCH /api/v2/clients/:client_id/credentials/:credential_id',
    ]);
    expect(prod.requests[0]!.headers.authorization).not.toBe(prod.requests[2]!.headers.authorization);
  });

  it('fetches one token for many concurrent calls', async () => {
    prod.revokeTokens();
    prod.state.tokens.clear();
    // Force a fresh fetch: revoke, then make one call fail with 401 so the cache drops the token.
    const { globalId } = credentialId(prod, 'billing-next');
    await Promise.all(Array.from({ length: 8 }, () => h.exec(NodeDocument, { id: globalId })));
    expect(prod.requests.filter((r) => r.route === '/oauth/token')).toHaveLength(1);
  });

  it('reports 429 as RateLimitedError with retryAfter from X-RateLimit-Reset', async () => {
    const { globalId } = credentialId(prod, 'billing-next');
    const reset = Math.floor(Date.now() / 1000) + 42;
    prod.inject({ method: 'PATCH', status: 429, headers: { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, json: { statusCode: 429, error: 'Too Many Requests', errorCode: 'too_many_requests', message: 'Global limit has been reached' } });
    const res = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: null } });
    const err = res.data?.updateCredential as { __typename: string; retryAfter: number };
    expect(err.__typename).toBe('RateLimitedError');
    expect(err.retryAfter).toBeGreaterThanOrEqual(41);
    expect(err.retryAfter).toBeLessThanOrEqual(43);
    expect(prod.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('repeats the PATCH (it sets an absolute value) after a 503 and succeeds', async () => {
    const { globalId } = credentialId(prod, 'billing-next');
    prod.inject({ method: 'PATCH', status: 503 });
    const res = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: null } });
    expect(res.data?.updateCredential.__typename).toBe('UpdateCredentialSuccess');
    expect(prod.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(2);
  });

  it('reports a 5xx that outlasts the retries as a retryable UpstreamError', async () => {
    const { globalId } = credentialId(prod, 'billing-next');
    prod.inject({ method: 'PATCH', status: 503, times: 3 });
    const res = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: null } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'UpstreamError', vendor: 'AUTH0', account: PROD, status: 503, retryable: true });
    expect(prod.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(3);
  });

  it('reports malformed vendor JSON as an UpstreamError, not a crash', async () => {
    const { globalId } = credentialId(prod, 'billing-next');
    prod.inject({ method: 'PATCH', malformed: true, status: 201 });
    const res = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: null } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'UpstreamError', status: 201, message: expect.stringContaining('malformed JSON') });
    expect(prod.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('refuses ids with path characters before anything reaches the vendor', async () => {
    const { clientId } = credentialId(prod, 'billing-next');
    for (const evil of ['../../connections', 'a/b', '%2F..%2F', '..', 'cred\u0000x']) {
      const id = encodeGlobalId('Auth0ClientCredential', JSON.stringify([PROD, clientId, evil]));
      const res = await h.exec(UpdateCredentialDocument, { input: { id, expiresAt: null } });
      expect(res.data?.updateCredential).toMatchObject({ __typename: 'ValidationError' });
    }
    expect(prod.requests).toEqual([]);
  });
});

describe('Management API scopes (the simulator grants what the README lists, and checks each route)', () => {
  const withScopes = async (scopes: readonly string[], run: () => Promise<void>) => {
    prod.state.m2m.scopes = scopes;
    prod.revokeTokens();
    try {
      await run();
    } finally {
      delete prod.state.m2m.scopes;
      prod.revokeTokens();
    }
  };

  it('grants exactly the scopes the README tells an Auth0 admin to grant', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const listed = /with the scopes\s+`([^`]+)`/.exec(readme)![1]!.split(/\s+/);
    expect([...listed].sort()).toEqual([...GATEWAY_SCOPES].sort());
  });

  it('reports a read whose scope was not granted as a non-retryable UpstreamError naming the scope, while other reads answer', async () => {
    await withScopes(GATEWAY_SCOPES.filter((s) => s !== 'read:connections_keys'), async () => {
      const res = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD], kinds: ['SIGNING_KEY', 'CERTIFICATE', 'PUBLIC_KEY'] }, first: 500 });
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]).toMatchObject({
        message: expect.stringContaining('(HTTP 403): Insufficient scope, expected any of: read:connections_keys'),
        extensions: { code: 'UPSTREAM_ERROR', vendor: 'AUTH0', account: PROD, status: 403, retryable: false },
      });
    });
  });

  it('refuses a rotation without both create: and update:connections_keys, and nothing rotates', async () => {
    await withScopes(GATEWAY_SCOPES.filter((s) => s !== 'create:connections_keys'), async () => {
      const { id, globalId } = connectionGlobalId(prod, 'okta-workforce');
      const before = prod.state.keys.get(id)!.map((k) => k.kid);
      const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId } });
      expect(res.data?.rotateConnectionKeys).toMatchObject({ __typename: 'UpstreamError', vendor: 'AUTH0', status: 403, retryable: false });
      expect(prod.state.keys.get(id)!.map((k) => k.kid)).toEqual(before);
    });
  });
});

describe('rotateConnectionKeys', () => {
  it('rotates: next becomes current, current becomes previous, a new next key with a real certificate', async () => {
    const { id, globalId } = connectionGlobalId(staging, 'okta-workforce');
    const before = structuredClone(staging.state.keys.get(id)!);
    const oldCurrent = before.find((k) => k.current)!;
    const oldNext = before.find((k) => k.next)!;
    const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, signingAlg: 'RS384' } });
    const result = res.data!.rotateConnectionKeys;
    if (result.__typename !== 'RotateConnectionKeysSuccess') throw new Error(JSON.stringify(result));
    expect(result.newKey).toMatchObject({ role: 'NEXT', algorithm: 'RS384', account: STAGING });
    const cert = new X509Certificate(result.newKey.cert!);
    expect(cert.fingerprint).toBe(result.newKey.fingerprint);
    expect(result.newKey.thumbprint).toBe(cert.fingerprint.replace(/:/g, ''));
    const roles = Object.fromEntries(result.keys!.map((k) => [k.kid, k.role]));
    expect(roles).toEqual({ [oldCurrent.kid]: 'PREVIOUS', [oldNext.kid]: 'CURRENT', [result.newKey.kid!]: 'NEXT' });
    expect(result.connection).toMatchObject({ name: 'okta-workforce' });

    const rotate = staging.apiRequests().filter((r) => r.method === 'POST');
    expect(rotate).toHaveLength(1);
    expect(rotate[0]).toMatchObject({ path: `/api/v2/connections/${id}/keys/rotate`, body: { signing_alg: 'RS384' } });
    // The keys were read fresh after the rotation.
    const calls = apiCalls(staging);
    expect(calls.indexOf(`GET /api/v2/connections/${id}/keys`)).toBeGreaterThan(calls.indexOf(`POST /api/v2/connections/${id}/keys/rotate`));
  });

  it('calls the key a rotation returns NEXT when Auth0 leaves its optional next flag out: the rotation returns the key it adds as next', async () => {
    const { id, globalId } = connectionGlobalId(staging, 'partner-oidc');
    const { current: _c, next: _n, previous: _p, current_since: _s, ...unflagged } = staging.state.keys.get(id)!.find((k) => k.next)!;
    staging.inject({ method: 'POST', route: '/api/v2/connections/:id/keys/rotate', afterApply: true, status: 201, json: unflagged });
    const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId } });
    const result = res.data!.rotateConnectionKeys;
    if (result.__typename !== 'RotateConnectionKeysSuccess') throw new Error(JSON.stringify(result));
    expect(result.newKey).toMatchObject({ kid: unflagged.kid, role: 'NEXT', next: true, current: false, previous: false });
  });

  it('sends no body when no signing algorithm is given', async () => {
    const { globalId } = connectionGlobalId(staging, 'partner-oidc');
    const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId } });
    expect(res.data!.rotateConnectionKeys.__typename).toBe('RotateConnectionKeysSuccess');
    expect(staging.apiRequests().find((r) => r.method === 'POST')!.body).toBeUndefined();
  });

  it('refuses a credential id where a connection id is expected, sending nothing', async () => {
    const { globalId } = credentialId(staging, 'billing-next');
    const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId } });
    expect(res.data!.rotateConnectionKeys).toMatchObject({ __typename: 'ValidationError' });
    expect(staging.requests).toEqual([]);
  });

  it('reports a 5xx from rotate as outcome unknown and does not retry it', async () => {
    const { globalId } = connectionGlobalId(staging, 'okta-workforce');
    staging.inject({ method: 'POST', route: '/api/v2/connections/:id/keys/rotate', status: 500, afterApply: true });
    const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId } });
    expect(res.data!.rotateConnectionKeys).toMatchObject({ __typename: 'UpstreamError', status: 500, outcomeUnknown: true, message: expect.stringContaining('may or may not') });
    expect(staging.apiRequests().filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('still reports the new key when reading the keys after a successful rotation fails', async () => {
    const { id, globalId } = connectionGlobalId(staging, 'partner-oidc');
    staging.inject({ method: 'GET', route: '/api/v2/connections/:id/keys', status: 503, times: 3 });
    const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId } });
    // The rotation happened: the caller must learn so (and its new kid), or it would rotate again.
    const result = res.data?.rotateConnectionKeys;
    if (result?.__typename !== 'RotateConnectionKeysSuccess') throw new Error(JSON.stringify(res));
    expect(result.newKey.kid).toBe(staging.state.keys.get(id)!.find((k) => k.next)!.kid);
    expect(result.keys).toBeNull();
    expect(res.errors).toEqual([expect.objectContaining({ path: ['rotateConnectionKeys', 'keys'], extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR', status: 503 }) })]);
    expect(staging.apiRequests().filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('reports a rotation of a connection without keys (not okta/oidc) as the ValidationError Auth0 answers, sent once', async () => {
    const { id, globalId } = connectionGlobalId(staging, 'Username-Password-Authentication');
    const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId } });
    expect(res.data!.rotateConnectionKeys).toMatchObject({ __typename: 'ValidationError', message: expect.stringContaining('only supported for okta and oidc') });
    expect(staging.apiRequests().map((r) => `${r.method} ${r.path}`)).toEqual([`POST /api/v2/connections/${id}/keys/rotate`]);
  });

  it('reports a missing connection as NotFoundError', async () => {
    const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: encodeGlobalId('Auth0Connection', JSON.stringify([STAGING, 'con_missing'])) } });
    expect(res.data!.rotateConnectionKeys).toMatchObject({ __typename: 'NotFoundError', account: STAGING });
  });
});

describe('the simulator', () => {
  it('refuses a PATCH or a rotation whose body is not JSON, as Auth0 takes JSON only there', async () => {
    const cfg = h.accounts.find((a) => a.name === STAGING) as unknown as { baseUrl: string; clientId: string; clientSecret: string };
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: cfg.clientId, client_secret: cfg.clientSecret, audience: `${staging.url}/api/v2/` });
    const token = ((await (await fetch(`${staging.url}/oauth/token`, { method: 'POST', body: form })).json()) as { access_token: string }).access_token;
    const [clientId, creds] = [...staging.state.credentials.entries()][0]!;
    const connection = staging.state.connections.find((c) => c.strategy === 'okta')!;
    const send = (path: string, method: string, type: string, body: string) =>
      fetch(`${staging.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': type }, body });
    const before = structuredClone(staging.state.keys.get(connection.id));
    for (const res of [
      await send(`/api/v2/clients/${clientId}/credentials/${creds[0]!.id}`, 'PATCH', 'application/x-www-form-urlencoded', 'expires_at=2030-01-01T00%3A00%3A00Z'),
      await send(`/api/v2/clients/${clientId}/credentials/${creds[0]!.id}`, 'PATCH', 'text/plain', '{"expires_at":"2030-01-01T00:00:00Z"}'),
      await send(`/api/v2/connections/${connection.id}/keys/rotate`, 'POST', 'text/plain', '{"signing_alg":"RS256"}'),
    ]) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ statusCode: 400, errorCode: 'invalid_body' });
    }
    expect(staging.state.keys.get(connection.id)).toEqual(before);
  });
});

describe('the simulator, two rotations at once', () => {
  // Sent straight to the simulator: the gateway refuses the second of two at once (test/schema/concurrent-changes.e2e.test.ts).
  it('applies both, one after the other, as Auth0 would: neither new key is lost', async () => {
    const { id } = connectionGlobalId(staging, 'okta-workforce');
    const oldNext = staging.state.keys.get(id)!.find((k) => k.next)!;
    const cfg = h.accounts.find((a) => a.name === STAGING) as unknown as { clientId: string; clientSecret: string };
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: cfg.clientId, client_secret: cfg.clientSecret, audience: `${staging.url}/api/v2/` });
    const token = ((await (await fetch(`${staging.url}/oauth/token`, { method: 'POST', body: form })).json()) as { access_token: string }).access_token;
    const results = await Promise.all(
      [0, 1].map(() => fetch(`${staging.url}/api/v2/connections/${id}/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })),
    );
    const kids = await Promise.all(
      results.map(async (r) => {
        expect(r.status).toBe(201);
        return ((await r.json()) as { kid: string }).kid;
      }),
    );
    expect(staging.apiRequests().filter((r) => r.method === 'POST')).toHaveLength(2);
    const roles = Object.fromEntries(staging.state.keys.get(id)!.map((k) => [k.kid, k.previous ? 'PREVIOUS' : k.current ? 'CURRENT' : 'NEXT']));
    // Which of the two Auth0 applied first is its business; that each moved the keys on by one is not.
    expect(Object.values(roles).sort()).toEqual(['CURRENT', 'NEXT', 'PREVIOUS']);
    expect(roles[oldNext.kid]).toBe('PREVIOUS');
    expect(new Set([roles[kids[0]!], roles[kids[1]!]])).toEqual(new Set(['CURRENT', 'NEXT']));
  });
});

describe('the simulated rate limit', () => {
  it('waits for X-RateLimit-Reset when Auth0 answers 429, then completes the list', async () => {
    prod.state.rateLimit = { perSecond: 5 };
    try {
      const res = await h.exec(ListCredentialsDocument, { first: 500, filter: { accounts: [PROD] } });
      expect(res.errors).toBeUndefined();
      const expected = [...prod.state.credentials.values()].flat().length + [...prod.state.keys.values()].flat().length;
      expect(res.data!.credentials.totalCount).toBe(expected);
      // Some calls were refused and repeated after the reset; none was given up on.
      const paths = prod.apiRequests().map((r) => r.path);
      expect(paths.length).toBeGreaterThan(new Set(paths).size);
    } finally {
      prod.state.rateLimit = null;
    }
  });
});

describe('one account failing', () => {
  it.each([
    ...ACCOUNT_FAILURES,
  ])('keeps the other account’s credentials and adds one error naming the failed one (%s)', async (_label, fault, code) => {
    staging.inject({ route: '/api/v2/clients', ...fault });
    const res = await h.exec(ListCredentialsDocument, { filter: AUTH0_ONLY, first: 500 });
    expect(res.data!.credentials.edges.length).toBeGreaterThan(0);
    expect(res.data!.credentials.edges.every((e) => e.node.account === PROD)).toBe(true);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['credentials'], extensions: { code, vendor: 'AUTH0', account: STAGING } });
    // The clients' list itself failed: none of the tenant's credentials are listed, so it is not partial.
    expect(res.errors![0]!.extensions).not.toHaveProperty('partial');
    expect(res.data!.credentials.failedAccounts).toEqual([expect.objectContaining({ account: STAGING, code, partial: false })]);
  });
});

describe('one owner failing', () => {
  const CLIENT_CREDENTIALS = '/api/v2/clients/:client_id/credentials';
  const KEYS = '/api/v2/connections/:id/keys';
  const keyed = (sim: Auth0Simulator) => sim.state.connections.filter((c) => c.strategy === 'okta' || c.strategy === 'oidc');
  /** One listing call per owner, and `times` for `slow` (the one whose call was repeated). */
  const listingCalls = (sim: Auth0Simulator, slow?: { path: string; times: number }) =>
    [
      'GET /api/v2/clients?fields=client_id%2Cname%2Cdescription%2Capp_type%2Cis_first_party&include_fields=true&take=100',
      'GET /api/v2/connections?strategy=okta&strategy=oidc&take=100',
      ...sim.state.clients.map((c) => `GET /api/v2/clients/${c.client_id}/credentials`),
      ...keyed(sim).map((c) => `GET /api/v2/connections/${c.id}/keys`),
      ...Array.from({ length: (slow?.times ?? 1) - 1 }, () => `GET ${slow!.path}`),
    ].sort();
  const staged = () => [...staging.state.credentials.values()].flat().length + [...staging.state.keys.values()].flat().length;

  it.each([
    {
      label: 'a 400 on one connection’s keys',
      owner: () => keyed(staging).find((c) => staging.state.keys.get(c.id)?.length)!.id,
      inject: (id: string) => staging.inject({ route: KEYS, params: { id }, status: 400, json: { statusCode: 400, error: 'Bad Request', message: 'Invalid request', errorCode: 'invalid_query_string' } }),
      missing: (id: string) => staging.state.keys.get(id)!.length,
      path: (id: string) => `/api/v2/connections/${id}/keys`,
      status: 400,
      retryable: false,
      times: 1,
    },
    {
      label: 'a 503 on one client’s credentials, after the retries',
      owner: () => staging.state.clients.find((c) => staging.state.credentials.get(c.client_id)?.length)!.client_id,
      inject: (id: string) => staging.inject({ route: CLIENT_CREDENTIALS, params: { client_id: id }, status: 503, times: 3 }),
      missing: (id: string) => staging.state.credentials.get(id)!.length,
      path: (id: string) => `/api/v2/clients/${id}/credentials`,
      status: 503,
      retryable: true,
      times: 3,
    },
  ])('lists the other owners’ credentials and reports the tenant as partial ($label)', async (c) => {
    const owner = c.owner();
    c.inject(owner);
    const res = await h.exec(ListCredentialsDocument, { filter: { accounts: [STAGING] }, first: 500 });

    expect(c.missing(owner)).toBeGreaterThan(0);
    expect(res.data!.credentials.totalCount).toBe(staged() - c.missing(owner));
    expect(res.data!.credentials.edges.every((e) => e.node.owner?.externalId !== owner)).toBe(true);
    const owners = staging.state.clients.length + keyed(staging).length;
    expect(res.data!.credentials.failedAccounts).toEqual([
      {
        vendor: 'AUTH0',
        account: STAGING,
        code: 'UPSTREAM_ERROR',
        message: expect.stringMatching(new RegExp(`^the credentials of 1 of ${owners} owners in AUTH0 account "${STAGING}" could not be read; the first: .*\\(HTTP ${c.status}\\)`)),
        retryAfter: null,
        retryable: c.retryable,
        limitedBy: null,
        partial: true,
      },
    ]);
    expect(res.errors).toEqual([
      expect.objectContaining({
        path: ['credentials'],
        message: res.data!.credentials.failedAccounts[0]!.message,
        extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR', vendor: 'AUTH0', account: STAGING, status: c.status, retryable: c.retryable, partial: true }),
      }),
    ]);
    // One listing call per owner; only the failing one repeated, and only when retryable.
    expect(apiCalls(staging).sort()).toEqual(listingCalls(staging, { path: c.path(owner), times: c.times }));
  });

  it('leaves a single connection’s keys as they were: its owner filter fails the tenant, not partial', async () => {
    const { id, globalId } = connectionGlobalId(staging, keyed(staging)[0]!.name);
    staging.inject({ route: KEYS, params: { id }, status: 400 });
    const res = await h.exec(ListCredentialsDocument, { filter: { owner: globalId }, first: 500 });
    expect(res.data!.credentials).toMatchObject({ totalCount: 0, edges: [] });
    expect(res.data!.credentials.failedAccounts).toEqual([expect.objectContaining({ account: STAGING, code: 'UPSTREAM_ERROR', partial: false })]);
    expect(apiCalls(staging)).toEqual([`GET /api/v2/connections/${id}/keys`]);
  });
});
