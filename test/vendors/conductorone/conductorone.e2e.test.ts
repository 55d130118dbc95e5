import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConductorOneSimulator, SimCredential, SimServicePrincipal } from '../../../src/vendors/conductorone/simulator.js';
import {
  ConductorOneCredentialsDocument,
  ConductorOneNodeDocument,
  ConductorOneNodesDocument,
  ConductorOneOwnersWithCredentialsDocument,
  ConductorOneUpdateCredentialDocument,
} from '../../gql/graphql.js';
import { calls, startHarness, type Harness } from '../../fixtures/harness.js';
import { ACCOUNT_FAILURES } from '../../fixtures/faults.js';
import { future } from '../../fixtures/dates.js';
import { gid } from '../../fixtures/ids.js';

const ACCOUNT = 'conductorone-sandbox';
const TENANT = 'conductorone-sandbox.conductor.one';
const CLIENT_ID = `gateway-sandbox@${TENANT}/spc`;
const C1_ONLY = { vendors: ['CONDUCTORONE' as const] };
const API = '/api/v1/service_principals';

let h: Harness;
let sim: ConductorOneSimulator;

beforeAll(async () => {
  h = await startHarness();
  sim = h.sim(ACCOUNT) as ConductorOneSimulator;
});
afterAll(() => h.close());
/** Upstream tokens and assertions the gateway sent, gathered before each reset for the hygiene check. */
const sentCredentials = new Set<string>();
function harvest() {
  for (const r of sim.requests) {
    const bearer = /^Bearer (.+)$/.exec(r.headers.authorization ?? '')?.[1];
    if (bearer) sentCredentials.add(bearer);
    const assertion = (r.body as Record<string, string> | undefined)?.client_assertion;
    if (r.route === '/auth/v1/token' && assertion) sentCredentials.add(assertion);
  }
}
beforeEach(() => {
  harvest();
  h.reset();
  sim.state.rateLimit = null;
});

const principal = (name: string): SimServicePrincipal & { globalId: string } => {
  const sp = sim.state.principals.find((p) => p.displayName === name);
  if (!sp) throw new Error(`no principal ${name}`);
  return { ...sp, globalId: gid('ConductorOneServicePrincipal', ACCOUNT, sp.id) };
};
const credential = (name: string): SimCredential & { globalId: string } => {
  const c = [...sim.state.credentials.values()].flat().find((x) => x.displayName === name);
  if (!c) throw new Error(`no credential ${name}`);
  return { ...c, globalId: gid('ConductorOneCredential', ACCOUNT, c.servicePrincipalId, c.id) };
};
const allCredentials = () => [...sim.state.credentials.values()].flat();
/** Everything the simulator received except token calls. */
const nothingSentButTokens = () => expect(sim.requests.filter((r) => r.route !== '/auth/v1/token')).toEqual([]);
const tokenCalls = () => sim.requests.filter((r) => r.route === '/auth/v1/token');

async function listAll(filter: Record<string, unknown> = {}) {
  const res = await h.exec(ConductorOneCredentialsDocument, { filter: { ...C1_ONLY, ...filter }, first: 500 });
  expect(res.errors).toBeUndefined();
  return res.data!.credentials;
}

/** A fresh token fetch on the next call: drop the sim's tokens so the cached one gets a 401. */
async function forceTokenFetch() {
  sim.revokeTokens();
  await h.exec(ConductorOneNodeDocument, { id: principal('Terraform CI').globalId });
  const token = tokenCalls().at(-1);
  if (!token) throw new Error('no token call');
  return token;
}

describe('signing in with the Ed25519 client assertion', () => {
  it('posts the SDK form (client_id, grant_type, assertion type, assertion) with no Basic header', async () => {
    const token = await forceTokenFetch();
    expect(token.method).toBe('POST');
    expect(token.path).toBe('/auth/v1/token');
    expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token.headers.authorization).toBeUndefined();
    const body = token.body as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['client_assertion', 'client_assertion_type', 'client_id', 'grant_type']);
    expect(body).toMatchObject({
      client_id: CLIENT_ID,
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
  });

  it('signs an EdDSA JWS with a hex 16-byte nonce, iss = sub = client id, aud = tenant host, a ±2 minute window', async () => {
    const assertion = ((await forceTokenFetch()).body as Record<string, string>).client_assertion!;
    const header = decodeProtectedHeader(assertion);
    expect(header).toEqual({ alg: 'EdDSA', nonce: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const claims = decodeJwt(assertion);
    expect(claims).toEqual({ iss: CLIENT_ID, sub: CLIENT_ID, aud: TENANT, iat: expect.any(Number), nbf: claims.iat! - 120, exp: claims.iat! + 120 });
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(60);
    // Signed by the key whose public half the tenant registered for this client id.
    await expect(compactVerify(assertion, await importJWK(sim.state.publicKeys.get(CLIENT_ID)!, 'EdDSA'))).resolves.toBeDefined();
  });

  it('uses a new nonce for every token request', async () => {
    const a = ((await forceTokenFetch()).body as Record<string, string>).client_assertion!;
    const b = ((await forceTokenFetch()).body as Record<string, string>).client_assertion!;
    expect(decodeProtectedHeader(a).nonce).not.toBe(decodeProtectedHeader(b).nonce);
  });

  it('sends API calls with the issued bearer token and records the credential as used', async () => {
    await forceTokenFetch();
    const api = sim.apiRequests();
    expect(api.length).toBeGreaterThan(0);
    for (const r of api.slice(1)) expect(r.headers.authorization).toMatch(/^Bearer [\w-]+$/);
    expect(Date.now() - Date.parse(credential('credential-gateway (sandbox)').lastUsedAt!)).toBeLessThan(60_000);
  });

  it('fetches one token for many concurrent calls', async () => {
    sim.revokeTokens();
    const id = principal('Terraform CI').globalId;
    await Promise.all(Array.from({ length: 8 }, () => h.exec(ConductorOneNodeDocument, { id })));
    expect(tokenCalls()).toHaveLength(1);
  });

  it('treats a 200 with an empty access_token as an authentication failure', async () => {
    sim.revokeTokens();
    sim.inject({ route: '/auth/v1/token', status: 200, json: { access_token: '', token_type: 'Bearer', expires_in: 3600 } });
    const res = await h.exec(ConductorOneCredentialsDocument, { filter: C1_ONLY, first: 10 });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      message: expect.stringContaining('empty access_token'),
      extensions: { code: 'UPSTREAM_ERROR', vendor: 'CONDUCTORONE', account: ACCOUNT, retryable: false },
    });
  });

  it('reports a token endpoint 400 as an authentication failure, not as the caller’s bad input', async () => {
    sim.revokeTokens();
    sim.inject({ route: '/auth/v1/token', status: 400, json: { error: 'invalid_request', error_description: 'malformed form' } });
    const res = await h.exec(ConductorOneCredentialsDocument, { filter: C1_ONLY, first: 10 });
    expect(res.errors![0]).toMatchObject({
      message: expect.stringContaining('could not get an access token'),
      extensions: { code: 'UPSTREAM_ERROR', vendor: 'CONDUCTORONE', account: ACCOUNT },
    });
  });
});

describe('the simulated token endpoint verifies assertions for real', () => {
  const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${sim.url}/auth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  const stranger = generateKeyPairSync('ed25519').privateKey;
  const assertion = (o: { key?: Parameters<SignJWT['sign']>[0]; aud?: string; nonce?: string | null; alg?: string; iat?: number; iss?: string } = {}) => {
    const iat = o.iat ?? Math.floor(Date.now() / 1000);
    const header: Record<string, unknown> = { alg: o.alg ?? 'EdDSA' };
    if (o.nonce !== null) header.nonce = o.nonce ?? Math.random().toString(16).slice(2);
    return new SignJWT({})
      .setProtectedHeader(header as { alg: string })
      .setIssuer(o.iss ?? CLIENT_ID)
      .setSubject(CLIENT_ID)
      .setAudience(o.aud ?? TENANT)
      .setIssuedAt(iat)
      .setNotBefore(iat - 120)
      .setExpirationTime(iat + 120)
      .sign(o.key ?? stranger);
  };
  const form = (jws: string, extra: Record<string, string> = {}) => ({
    client_id: CLIENT_ID,
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: jws,
    ...extra,
  });

  it.each([
    ['signed by an unregistered key', () => assertion()],
    ['unknown client id', async () => assertion(), { client_id: `nobody@${TENANT}/spc` }],
  ])('refuses an assertion %s with 401 invalid_client', async (_label, make, extra: Record<string, string> = {}) => {
    const res = await post(form(await make(), extra));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a valid signature with the wrong audience, no nonce, a replayed nonce, or an expired window', async () => {
    // Sign with the gateway's own key, taken from the sandbox config the harness parsed.
    const secret = (h.accounts.find((a) => a.name === ACCOUNT) as unknown as { clientSecret: string }).clientSecret;
    const jwk = JSON.parse(Buffer.from(secret.split(':')[3]!, 'base64url').toString()) as JWK;
    const key = await importJWK(jwk, 'EdDSA');
    const status = async (jws: string) => (await post(form(jws))).status;
    expect(await status(await assertion({ key, aud: 'other.conductor.one' }))).toBe(401);
    expect(await status(await assertion({ key, nonce: null }))).toBe(401);
    expect(await status(await assertion({ key, iat: Math.floor(Date.now() / 1000) - 600 }))).toBe(401);
    expect(await status(await assertion({ key, iss: `someone@${TENANT}/spc` }))).toBe(401);
    const once = await assertion({ key, nonce: 'fixed-nonce-for-replay-test' });
    expect(await status(once)).toBe(200);
    expect(await status(once)).toBe(401);
    expect(await status(await assertion({ key }))).toBe(200);
  });

  it('issues one token for an assertion sent several times at once: its nonce is spent by whichever is checked first', async () => {
    const secret = (h.accounts.find((a) => a.name === ACCOUNT) as unknown as { clientSecret: string }).clientSecret;
    const key = await importJWK(JSON.parse(Buffer.from(secret.split(':')[3]!, 'base64url').toString()) as JWK, 'EdDSA');
    const once = await assertion({ key, nonce: `concurrent-replay-${Date.now()}` });
    const statuses = await Promise.all([0, 1, 2, 3, 4, 5].map(async () => (await post(form(once))).status));
    expect(statuses.sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it('answers API calls without a valid bearer token with 401 UNAUTHENTICATED in the gRPC status format', async () => {
    const res = await fetch(`${sim.url}${API}`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 16, message: expect.any(String), details: [] });
  });
});

describe('listing ConductorOne credentials', () => {
  it('lists every credential of every service principal, one call per list', async () => {
    const conn = await listAll();
    expect(conn.totalCount).toBe(allCredentials().length);
    expect(new Set(conn.edges.map((e) => e.node.__typename))).toEqual(new Set(['ConductorOneCredential']));
    expect(conn.edges.every((e) => e.node.account === ACCOUNT && e.node.kind === 'CLIENT_SECRET')).toBe(true);
    expect(calls(sim).sort()).toEqual(
      [`GET ${API}?page_size=100`, ...sim.state.principals.map((p) => `GET ${API}/${p.id}/credentials?page_size=100`)].sort(),
    );
    for (const r of sim.apiRequests()) {
      expect(r.headers.authorization).toMatch(/^Bearer /);
      expect(r.body).toBeUndefined();
    }
  });

  it('follows nextPageToken with page_token until the last page', async () => {
    const terraform = principal('Terraform CI');
    const bulkPrincipals: SimServicePrincipal[] = Array.from({ length: 230 }, (_, i) => ({
      id: `bulkSp${String(i).padStart(21, '0')}`,
      displayName: `bulk principal ${i}`,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      user: { id: `bulkSp${i}`, displayName: `bulk principal ${i}`, email: null, status: 'ENABLED', type: 'USER_TYPE_SERVICE' },
    }));
    const bulkCredentials: SimCredential[] = Array.from({ length: 150 }, (_, i) => ({
      id: `bulk-cred-${i}`,
      clientId: `bulk-cred-${i}@${TENANT}/spc`,
      displayName: `bulk credential ${i}`,
      servicePrincipalId: terraform.id,
      allowSourceCidrs: [],
      scopedRoleIds: [],
      requireDpop: false,
      createdAt: new Date().toISOString(),
      expiresAt: null,
      lastUsedAt: null,
    }));
    sim.state.principals.push(...bulkPrincipals);
    sim.state.credentials.get(terraform.id)!.push(...bulkCredentials);
    try {
      const conn = await listAll();
      expect(conn.totalCount).toBe(allCredentials().length);
      expect(conn.edges.map((e) => e.node.name)).toContain('bulk credential 149');

      const principalPages = sim.apiRequests().filter((r) => r.route === API);
      expect(principalPages.map((r) => r.query.page_size)).toEqual([['100'], ['100'], ['100']]);
      expect(principalPages[0]!.query.page_token).toBeUndefined();
      expect(principalPages[1]!.query.page_token).toHaveLength(1);
      expect(principalPages[2]!.query.page_token).not.toEqual(principalPages[1]!.query.page_token);
      const terraformPages = calls(sim).filter((c) => c.startsWith(`GET ${API}/${terraform.id}/credentials`));
      expect(terraformPages).toHaveLength(2);
      expect(terraformPages[1]).toMatch(new RegExp(`^GET ${API}/${terraform.id}/credentials\\?page_size=100&page_token=[\\w-]+$`));
    } finally {
      sim.state.principals.splice(-230);
      sim.state.credentials.get(terraform.id)!.splice(-150);
    }
  });

  it('computes status uniformly from expiresAt', async () => {
    const conn = await listAll();
    const status = (name: string) => conn.edges.find((e) => e.node.name === name)?.node.status;
    expect(status('terraform-2024')).toBe('EXPIRED');
    expect(status('terraform-2025')).toBe('EXPIRING');
    expect(status('access-bot')).toBe('EXPIRING');
    expect(status('okta-sync')).toBe('ACTIVE');
    expect(status('okta-sync-legacy')).toBe('NEVER_EXPIRES');
  });

  it('filters by status, expiresBefore and owner', async () => {
    const names = (conn: Awaited<ReturnType<typeof listAll>>) => conn.edges.map((e) => e.node.name).sort();
    expect(names(await listAll({ statuses: ['EXPIRED'] }))).toEqual(['terraform-2024']);
    expect(names(await listAll({ statuses: ['EXPIRING'] }))).toEqual(['access-bot', 'terraform-2025']);
    expect(names(await listAll({ statuses: ['NEVER_EXPIRES'] }))).toEqual(['okta-sync-legacy']);
    const cutoff = new Date(Date.now() + 30 * 86_400_000);
    expect(names(await listAll({ expiresBefore: cutoff.toISOString() }))).toEqual(['access-bot', 'terraform-2024', 'terraform-2025']);

    h.reset();
    const okta = principal('Okta Sync Connector');
    expect(names(await listAll({ owner: okta.globalId }))).toEqual(['okta-sync', 'okta-sync-legacy']);
    // Only that principal's list, plus the owner the fragment selects (once for both credentials).
    expect(calls(sim)).toEqual([`GET ${API}/${okta.id}/credentials?page_size=100`, `GET ${API}/${okta.id}`]);
  });

  it('lists nothing for a principal without credentials (proto3 JSON answers `{}`)', async () => {
    const auditor = principal('Legacy Backup Auditor');
    expect((await listAll({ owner: auditor.globalId })).totalCount).toBe(0);
  });
});

describe('node and nodes', () => {
  it('resolves a credential with every vendor field and its owner', async () => {
    const c = credential('terraform-2025');
    const res = await h.exec(ConductorOneNodeDocument, { id: c.globalId });
    expect(res.errors).toBeUndefined();
    expect(res.data?.node).toEqual({
      __typename: 'ConductorOneCredential',
      id: c.globalId,
      vendor: 'CONDUCTORONE',
      account: ACCOUNT,
      externalId: c.id,
      name: 'terraform-2025',
      description: null,
      kind: 'CLIENT_SECRET',
      status: 'EXPIRING',
      createdAt: c.createdAt,
      updatedAt: null,
      expiresAt: c.expiresAt,
      lastUsedAt: c.lastUsedAt,
      owner: { __typename: 'ConductorOneServicePrincipal', id: principal('Terraform CI').globalId, externalId: c.servicePrincipalId, name: 'Terraform CI' },
      clientId: c.clientId,
      servicePrincipalId: c.servicePrincipalId,
      allowSourceCidrs: ['10.20.0.0/16', '2001:db8:4:2::/64'],
      scopedRoleIds: c.scopedRoleIds,
      requireDpop: false,
    });
    expect(calls(sim)).toEqual([`GET ${API}/${c.servicePrincipalId}/credentials/${c.id}`, `GET ${API}/${c.servicePrincipalId}`]);
  });

  it('exposes requireDpop and a missing lastUsedAt', async () => {
    const res = await h.exec(ConductorOneNodesDocument, { ids: [credential('okta-sync').globalId] });
    expect(res.data?.nodes).toEqual([{ __typename: 'ConductorOneCredential', id: credential('okta-sync').globalId, name: 'okta-sync', clientId: credential('okta-sync').clientId }]);
    const bot = await h.exec(ConductorOneNodeDocument, { id: credential('access-bot').globalId });
    expect(bot.data?.node).toMatchObject({ lastUsedAt: null, requireDpop: false });
    const okta = await h.exec(ConductorOneNodeDocument, { id: credential('okta-sync').globalId });
    expect(okta.data?.node).toMatchObject({ requireDpop: true });
  });

  it('resolves a service principal with its user fields and credentials', async () => {
    const okta = principal('Okta Sync Connector');
    const res = await h.exec(ConductorOneNodeDocument, { id: okta.globalId });
    expect(res.data?.node).toMatchObject({
      __typename: 'ConductorOneServicePrincipal',
      id: okta.globalId,
      vendor: 'CONDUCTORONE',
      account: ACCOUNT,
      externalId: okta.id,
      name: 'Okta Sync Connector',
      description: null,
      createdAt: okta.createdAt,
      updatedAt: okta.updatedAt,
      email: 'okta-sync@acme.example',
      userStatus: 'ENABLED',
      userType: 'SERVICE',
    });
    const node = res.data!.node as { credentials: { externalId: string; owner: { id: string } | null }[] };
    expect(node.credentials.map((c) => c.externalId).sort()).toEqual(sim.state.credentials.get(okta.id)!.map((c) => c.id).sort());
    expect(node.credentials.every((c) => c.owner?.id === okta.globalId)).toBe(true);
    // The principal came from GET …/{id}; its credentials' owner is that same cached record.
    expect(calls(sim).sort()).toEqual([`GET ${API}/${okta.id}`, `GET ${API}/${okta.id}/credentials?page_size=100`].sort());
  });

  it('maps user status and type enums (DISABLED, AGENT)', async () => {
    const res = await h.exec(ConductorOneNodesDocument, { ids: [principal('Legacy Backup Auditor').globalId, principal('Access Request Bot').globalId] });
    expect(res.data?.nodes).toMatchObject([{ __typename: 'ConductorOneServicePrincipal' }, { userType: 'AGENT' }]);
    const auditor = await h.exec(ConductorOneNodeDocument, { id: principal('Legacy Backup Auditor').globalId });
    expect(auditor.data?.node).toMatchObject({ userStatus: 'DISABLED', credentials: [] });
  });

  it('returns null for what does not exist and an error for a malformed id', async () => {
    const terraform = principal('Terraform CI');
    const res = await h.exec(ConductorOneNodesDocument, {
      ids: [gid('ConductorOneCredential', ACCOUNT, terraform.id, 'no-such-cred-00000'), gid('ConductorOneServicePrincipal', ACCOUNT, 'noSuchPrincipal000000000000'), 'not-an-id!'],
    });
    expect(res.data?.nodes).toEqual([null, null, null]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['nodes', 2], extensions: { code: 'BAD_USER_INPUT' } });
    expect(calls(sim).sort()).toEqual([`GET ${API}/noSuchPrincipal000000000000`, `GET ${API}/${terraform.id}/credentials/no-such-cred-00000`].sort());
  });

  it('lists owners with their credentials from the list calls alone', async () => {
    const res = await h.exec(ConductorOneOwnersWithCredentialsDocument, { filter: C1_ONLY });
    expect(res.errors).toBeUndefined();
    const edges = res.data!.credentials.edges;
    expect(edges).toHaveLength(allCredentials().length);
    for (const { node } of edges) {
      const c = allCredentials().find((x) => x.id === node.externalId)!;
      expect(node.owner).toMatchObject({ __typename: 'ConductorOneServicePrincipal', externalId: c.servicePrincipalId, userStatus: 'ENABLED' });
      const owner = node.owner as { credentials: { externalId: string }[] };
      expect(owner.credentials.map((x) => x.externalId)).toContain(node.externalId);
    }
    // Owners come from the principal list, their credentials from the per-principal lists: nothing twice.
    const made = calls(sim);
    expect(new Set(made).size).toBe(made.length);
    expect(made).toHaveLength(1 + sim.state.principals.length);
  });

  it('makes one upstream call per distinct resource even when a query asks twice', async () => {
    const c = credential('okta-sync');
    const sp = principal('Okta Sync Connector');
    const query = `query($id: ID!, $sp: ID!) {
      a: node(id: $id) { id } b: node(id: $id) { id ... on Credential { owner { id } } }
      c: nodes(ids: [$id, $id, $sp, $sp]) { id }
      d: node(id: $sp) { ... on CredentialOwner { credentials { id } } }
      e: credentials(filter: { vendors: [CONDUCTORONE] }) { totalCount }
      f: credentials(filter: { vendors: [CONDUCTORONE], statuses: [EXPIRED] }) { totalCount }
    }`;
    const res = await h.post(JSON.stringify({ query, variables: { id: c.globalId, sp: sp.globalId } }));
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    const made = calls(sim);
    expect(new Set(made).size).toBe(made.length);
    expect(made.filter((x) => x === `GET ${API}/${sp.id}/credentials/${c.id}`).length).toBeLessThanOrEqual(1);
    expect(made.filter((x) => x === `GET ${API}/${sp.id}/credentials?page_size=100`)).toHaveLength(1);
    expect(made.filter((x) => x === `GET ${API}?page_size=100`)).toHaveLength(1);
  });
});

describe('updateCredential on ConductorOne', () => {
  it('sends PATCH with updateMask "displayName" and returns the renamed credential', async () => {
    const c = credential('okta-sync-legacy');
    const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: c.globalId, name: 'okta-sync (legacy, retire Q3)' } });
    expect(res.data?.updateCredential).toMatchObject({
      __typename: 'UpdateCredentialSuccess',
      credential: { id: c.globalId, name: 'okta-sync (legacy, retire Q3)', clientId: c.clientId, status: 'NEVER_EXPIRES' },
    });
    // The PATCH, then the owner the response selects.
    expect(calls(sim)).toEqual([`PATCH ${API}/${c.servicePrincipalId}/credentials/${c.id}`, `GET ${API}/${c.servicePrincipalId}`]);
    const sent = sim.apiRequests();
    expect(sent[0]).toMatchObject({
      method: 'PATCH',
      path: `${API}/${c.servicePrincipalId}/credentials/${c.id}`,
      body: { credential: { displayName: 'okta-sync (legacy, retire Q3)' }, updateMask: 'displayName' },
    });
    expect(sent[0]!.headers['content-type']).toBe('application/json');
    expect(sent[0]!.headers.authorization).toMatch(/^Bearer /);
    expect(credential('okta-sync (legacy, retire Q3)').id).toBe(c.id);
    await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: c.globalId, name: 'okta-sync-legacy' } });
  });

  it('reports a rename ConductorOne answers without the credential (`{}`) as applied and safe to repeat, not as a failure not worth retrying', async () => {
    const c = credential('access-bot');
    sim.inject({ method: 'PATCH', route: `${API}/:service_principal_id/credentials/:id`, afterApply: true, status: 200, json: {} });
    try {
      const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: c.globalId, name: 'access-bot (renamed)' } });
      expect(res.data?.updateCredential).toMatchObject({
        __typename: 'UpstreamError',
        vendor: 'CONDUCTORONE',
        account: ACCOUNT,
        status: 200,
        retryable: true,
        outcomeUnknown: false,
        message: expect.stringContaining('the change was applied'),
      });
      // It was: ConductorOne holds the new name.
      expect(credential('access-bot (renamed)').id).toBe(c.id);
    } finally {
      await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: c.globalId, name: 'access-bot' } });
    }
  });

  it('shows the new name to reads later in the same request, even when the list was already read', async () => {
    const c = credential('access-bot');
    // Mutations run one after another: `a` reads the owner's list into the request's cache, `b` renames.
    const selection = '... on UpdateCredentialSuccess { credential { name owner { ... on CredentialOwner { credentials { id name } } } } }';
    const mutation = `mutation($id: ID!) {
      a: updateCredential(input: { id: $id, name: "access-bot" }) { ${selection} }
      b: updateCredential(input: { id: $id, name: "access-bot-2" }) { ${selection} }
    }`;
    type Result = { credential: { name: string; owner: { credentials: { name: string }[] } } };
    try {
      const res = (await (await h.post(JSON.stringify({ query: mutation, variables: { id: c.globalId } }))).json()) as { data: { a: Result; b: Result } };
      expect(res.data.a.credential.owner.credentials.map((x) => x.name)).toEqual(['access-bot']);
      expect(res.data.b.credential.name).toBe('access-bot-2');
      expect(res.data.b.credential.owner.credentials.map((x) => x.name)).toEqual(['access-bot-2']);
      const list = `GET ${API}/${c.servicePrincipalId}/credentials?page_size=100`;
      const patch = `PATCH ${API}/${c.servicePrincipalId}/credentials/${c.id}`;
      expect(calls(sim).filter((x) => x === list || x === patch)).toEqual([patch, list, patch, list]);
    } finally {
      sim.state.credentials.get(c.servicePrincipalId)!.find((x) => x.id === c.id)!.displayName = 'access-bot';
    }
  });

  it.each([
    ['description', { description: 'new description' }],
    ['expiresAt', { expiresAt: future(1) }],
    ['value', { value: 'hunter2-secret-value' }],
  ])('refuses %s with UnsupportedChangeError and sends nothing', async (field, change) => {
    const c = credential('okta-sync');
    const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: c.globalId, name: 'renamed', ...change } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'UnsupportedChangeError', vendor: 'CONDUCTORONE', unsupportedFields: [field], supportedFields: ['name'] });
    nothingSentButTokens();
    expect(JSON.stringify(res)).not.toContain('hunter2-secret-value');
  });

  it('refuses a service principal id where a credential id is expected, sending nothing', async () => {
    const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: principal('Terraform CI').globalId, name: 'x' } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'input.id' }] });
    nothingSentButTokens();
  });

  it.each([
    ['a line break', 'two\nlines', 'input.name'],
    ['a NUL character', 'nul\u0000name', 'input.name'],
    ['only spaces', '   ', 'input.name'],
  ])('refuses a name with %s before sending', async (_label, name, field) => {
    const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: credential('okta-sync').globalId, name } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ field }] });
    expect(sim.requests).toEqual([]);
  });

  it('maps a vendor 400 INVALID_ARGUMENT to ValidationError with the vendor message', async () => {
    sim.inject({ method: 'PATCH', status: 400, json: { code: 3, message: 'invalid ServicePrincipalCredential.DisplayName: value length must be at most 255 runes', details: [] } });
    const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: credential('okta-sync').globalId, name: 'x' } });
    expect(res.data?.updateCredential).toMatchObject({
      __typename: 'ValidationError',
      vendor: 'CONDUCTORONE',
      account: ACCOUNT,
      message: expect.stringContaining('value length must be at most 255 runes'),
    });
    expect(sim.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('maps a vendor 404 NOT_FOUND to NotFoundError naming the account', async () => {
    const id = gid('ConductorOneCredential', ACCOUNT, principal('Terraform CI').id, 'gone-otter-00000');
    const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id, name: 'x' } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'NotFoundError', vendor: 'CONDUCTORONE', account: ACCOUNT, message: expect.stringContaining('credential not found') });
    expect(calls(sim)).toEqual([`PATCH ${API}/${principal('Terraform CI').id}/credentials/gone-otter-00000`]);
  });

  it('refreshes the token once after a 401 and then succeeds', async () => {
    const c = credential('okta-sync');
    await h.exec(ConductorOneNodeDocument, { id: c.globalId }); // a token is cached now
    h.reset();
    sim.revokeTokens();
    const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: c.globalId, name: 'okta-sync' } });
    expect(res.data?.updateCredential.__typename).toBe('UpdateCredentialSuccess');
    expect(sim.requests.map((r) => `${r.method} ${r.route}`)).toEqual([
      `PATCH ${API}/:service_principal_id/credentials/:id`,
      'POST /auth/v1/token',
      `PATCH ${API}/:service_principal_id/credentials/:id`,
      `GET ${API}/:id`,
    ]);
    expect(sim.requests[0]!.headers.authorization).not.toBe(sim.requests[2]!.headers.authorization);
  });

  it('gives up after one refresh when the API keeps answering 401', async () => {
    sim.inject({ method: 'PATCH', status: 401, times: 2 });
    const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: credential('okta-sync').globalId, name: 'okta-sync' } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'UpstreamError', status: 401, retryable: false });
    expect(sim.apiRequests()).toHaveLength(2);
  });

  it.each([
    // Waits past the request deadline, so the gateway reports instead of retrying.
    ['delta seconds', () => '300', 300],
    ['an HTTP date', () => new Date(Date.now() + 300_000).toUTCString(), 300],
  ])('reports 429 RESOURCE_EXHAUSTED as RateLimitedError with retryAfter from Retry-After (%s)', async (_label, header, seconds) => {
    sim.inject({ method: 'PATCH', status: 429, headers: { 'retry-after': header() }, json: { code: 8, message: 'rate limit exceeded', details: [] } });
    const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: credential('okta-sync').globalId, name: 'okta-sync' } });
    const err = res.data?.updateCredential as { __typename: string; retryAfter: number; vendor: string };
    expect(err).toMatchObject({ __typename: 'RateLimitedError', vendor: 'CONDUCTORONE' });
    expect(err.retryAfter).toBeGreaterThanOrEqual(seconds - 3); // an HTTP date has whole seconds
    expect(err.retryAfter).toBeLessThanOrEqual(seconds);
    expect(sim.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('reports a 5xx that outlasts the retries as a retryable UpstreamError (the PATCH sets an absolute value, so it is repeated)', async () => {
    sim.inject({ method: 'PATCH', status: 503, times: 3, json: { code: 14, message: 'upstream connect error', details: [] } });
    const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: credential('okta-sync').globalId, name: 'okta-sync' } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'UpstreamError', vendor: 'CONDUCTORONE', account: ACCOUNT, status: 503, retryable: true, outcomeUnknown: false });
    expect(sim.apiRequests()).toHaveLength(3);
  });

  it('reports malformed vendor JSON as an UpstreamError, not a crash', async () => {
    sim.inject({ method: 'PATCH', malformed: true, status: 200 });
    const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id: credential('okta-sync').globalId, name: 'okta-sync' } });
    expect(res.data?.updateCredential).toMatchObject({ __typename: 'UpstreamError', status: 200, message: expect.stringContaining('malformed JSON') });
    expect(sim.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('refuses ids with path characters before anything reaches the vendor', async () => {
    const sp = principal('Terraform CI').id;
    const evil = ['../../service_principals', 'a/b', '%2F..%2F', '..', '.', 'cred\u0000x', 'crédential😀', 'x'.repeat(300), 'a?b=c', 'a#b', ' lead'];
    for (const bad of evil) {
      for (const id of [gid('ConductorOneCredential', ACCOUNT, sp, bad), gid('ConductorOneCredential', ACCOUNT, bad, 'happy-otter-12345')]) {
        const res = await h.exec(ConductorOneUpdateCredentialDocument, { input: { id, name: 'x' } });
        expect(res.data?.updateCredential, bad).toMatchObject({ __typename: 'ValidationError' });
        const read = await h.exec(ConductorOneNodeDocument, { id });
        expect(read.errors?.[0]?.extensions?.code, bad).toBe('BAD_USER_INPUT');
      }
      const owner = await h.exec(ConductorOneCredentialsDocument, { filter: { ...C1_ONLY, owner: gid('ConductorOneServicePrincipal', ACCOUNT, bad) }, first: 5 });
      expect(owner.errors?.[0]?.extensions?.code, bad).toBe('BAD_USER_INPUT');
    }
    expect(sim.requests).toEqual([]);
  });
});

describe('the simulator enforces the update mask', () => {
  const patch = async (body: unknown) => {
    await forceTokenFetch();
    const bearer = sim.apiRequests().at(-1)!.headers.authorization!;
    const c = credential('okta-sync');
    const res = await fetch(`${sim.url}${API}/${c.servicePrincipalId}/credentials/${c.id}`, {
      method: 'PATCH',
      headers: { authorization: bearer, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it.each([
    ['a field not named in the mask', { credential: { displayName: 'x', requireDpop: true }, updateMask: 'displayName' }],
    ['a read-only field in the mask', { credential: { expiresAt: '2030-01-01T00:00:00Z' }, updateMask: 'expiresAt' }],
    ['an unknown mask path', { credential: { displayName: 'x' }, updateMask: 'displayName,color' }],
    ['an empty display name', { credential: { displayName: '' }, updateMask: 'displayName' }],
  ])('answers 400 INVALID_ARGUMENT for %s', async (_label, body) => {
    const res = await patch(body);
    expect(res).toEqual({ status: 400, body: { code: 3, message: expect.any(String), details: [] } });
    expect(credential('okta-sync').displayName).toBe('okta-sync');
  });

  it('applies a body whose mask names exactly the fields sent', async () => {
    const res = await patch({ credential: { displayName: 'okta-sync' }, updateMask: 'displayName' });
    expect(res.status).toBe(200);
    expect(res.body.credential).toMatchObject({ displayName: 'okta-sync', requireDpop: true });
  });
});

describe('one account failing', () => {
  it.each([
    ...ACCOUNT_FAILURES,
    ['a 403 PERMISSION_DENIED', { status: 403, json: { code: 7, message: 'permission denied', details: [] } }, 'UPSTREAM_ERROR'],
  ])('keeps the other vendors’ credentials and adds one error naming it (%s)', async (_label, fault, code) => {
    sim.inject({ route: API, ...fault });
    const res = await h.exec(ConductorOneCredentialsDocument, { filter: { vendors: ['CONDUCTORONE', 'AUTH0'] }, first: 500 });
    expect(res.data!.credentials.edges.length).toBeGreaterThan(0);
    expect(res.data!.credentials.edges.every((e) => e.node.vendor === 'AUTH0')).toBe(true);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['credentials'], extensions: { code, vendor: 'CONDUCTORONE', account: ACCOUNT } });
    // The service principals' list itself failed: nothing of the account is listed, so it is not partial.
    expect(res.errors![0]!.extensions).not.toHaveProperty('partial');
    expect(res.data!.credentials.failedAccounts).toEqual([expect.objectContaining({ account: ACCOUNT, code, partial: false })]);
  });

  it('reports the simulated rate limit with Retry-After once the retries are spent', async () => {
    sim.state.rateLimit = { perSecond: 0 };
    const res = await h.exec(ConductorOneCredentialsDocument, { filter: C1_ONLY, first: 500 });
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', vendor: 'CONDUCTORONE', account: ACCOUNT, retryAfter: 1, limitedBy: 'VENDOR' } });
    // As data too: the vendor's limit, not the gateway's own budget.
    expect(res.data!.credentials.failedAccounts).toEqual([{ account: ACCOUNT, code: 'RATE_LIMITED', limitedBy: 'VENDOR', retryAfter: 1, partial: false }]);
  });
});

describe('one service principal failing', () => {
  it('lists the other principals’ credentials and reports the account as partial when one principal’s credentials answer 403', async () => {
    const [failing, ...others] = sim.state.principals.filter((p) => sim.state.credentials.get(p.id)?.length);
    expect(others.length).toBeGreaterThan(0);
    sim.inject({ route: `${API}/:service_principal_id/credentials`, params: { service_principal_id: failing!.id }, status: 403, json: { code: 7, message: 'permission denied', details: [] } });
    const res = await h.exec(ConductorOneCredentialsDocument, { filter: C1_ONLY, first: 500 });

    const listed = allCredentials().filter((c) => c.servicePrincipalId !== failing!.id);
    expect(res.data!.credentials.totalCount).toBe(listed.length);
    expect(res.data!.credentials.edges.map((e) => e.node.id).sort()).toEqual(listed.map((c) => gid('ConductorOneCredential', ACCOUNT, c.servicePrincipalId, c.id)).sort());
    expect(res.data!.credentials.failedAccounts).toEqual([{ account: ACCOUNT, code: 'UPSTREAM_ERROR', limitedBy: null, retryAfter: null, partial: true }]);
    expect(res.errors).toEqual([
      expect.objectContaining({
        path: ['credentials'],
        message: expect.stringMatching(new RegExp(`^the credentials of 1 of ${sim.state.principals.length} owners in CONDUCTORONE account "${ACCOUNT}" could not be read; the first: .*\\(HTTP 403\\)`)),
        extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR', vendor: 'CONDUCTORONE', account: ACCOUNT, status: 403, retryable: false, partial: true }),
      }),
    ]);
    // One listing call per principal: a 403 is not retried, and no other principal is asked twice.
    expect(calls(sim).sort()).toEqual(
      [`GET ${API}?page_size=100`, ...sim.state.principals.map((p) => `GET ${API}/${p.id}/credentials?page_size=100`)].sort(),
    );
  });

  it('leaves a single principal’s credentials as they were: its owner filter fails the account, not partial', async () => {
    const sp = principal(sim.state.principals.find((p) => sim.state.credentials.get(p.id)?.length)!.displayName);
    sim.inject({ route: `${API}/:service_principal_id/credentials`, params: { service_principal_id: sp.id }, status: 403 });
    const res = await h.exec(ConductorOneCredentialsDocument, { filter: { owner: sp.globalId }, first: 500 });
    expect(res.data!.credentials).toMatchObject({ totalCount: 0, edges: [] });
    expect(res.data!.credentials.failedAccounts).toEqual([{ account: ACCOUNT, code: 'UPSTREAM_ERROR', limitedBy: null, retryAfter: null, partial: false }]);
    expect(res.errors).toEqual([expect.objectContaining({ extensions: expect.not.objectContaining({ partial: expect.anything() }) })]);
    expect(calls(sim)).toEqual([`GET ${API}/${sp.id}/credentials?page_size=100`]);
  });
});

describe('secret hygiene', () => {
  it('never logs or returns the client secret, its private key, an assertion or an access token', () => {
    const secret = (h.accounts.find((a) => a.name === ACCOUNT) as unknown as { clientSecret: string }).clientSecret;
    const jwk = JSON.parse(Buffer.from(secret.split(':')[3]!, 'base64url').toString()) as JWK;
    const secrets = new Set([secret, secret.split(':')[3]!, jwk.d!, ...sentCredentials]);
    expect(sentCredentials.size).toBeGreaterThan(10);
    const logs = h.logs.join('\n');
    const responses = h.responses.join('\n');
    for (const s of secrets) {
      expect(logs.includes(s), `log contains a secret (${s.slice(0, 6)}…)`).toBe(false);
      expect(responses.includes(s), `response contains a secret (${s.slice(0, 6)}…)`).toBe(false);
    }
  });
});
