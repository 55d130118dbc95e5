import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Auth0Simulator } from '../../../src/vendors/auth0/simulator.js';
import type { VaultAccountConfig } from '../../../src/vendors/vault/account.js';
import { seedUuid } from '../../../src/vendors/vault/seed.js';
import { vaultError, type SimVaultCredential, type VaultSimulator } from '../../../src/vendors/vault/simulator.js';
import {
  ListCredentialsDocument,
  VaultListCredentialsDocument,
  VaultNodeDocument,
  VaultNodesDocument,
  VaultUpdateCredentialDocument,
} from '../../gql/graphql.js';
import { authConfig, jwtFixture, KEYS, type JwtFixture } from '../../fixtures/callers.js';
import { calls, startHarness, type Harness } from '../../fixtures/harness.js';
import { ACCOUNT_FAILURES } from '../../fixtures/faults.js';
import { gid } from '../../fixtures/ids.js';

const PROD = 'vault-prod';
const STAGING = 'vault-staging';
const DAY = 86_400_000;
let h: Harness;
let prod: VaultSimulator;
let staging: VaultSimulator;

beforeAll(async () => {
  h = await startHarness({ accounts: { vault: [PROD, STAGING], auth0: ['auth0-prod'] } });
  prod = h.sim(PROD) as VaultSimulator;
  staging = h.sim(STAGING) as VaultSimulator;
});
afterAll(() => h.close());
beforeEach(() => h.reset());

/** Other vendors' sandboxes run too; most tests look at the vault only. */
const VAULT_ONLY = { vendors: ['VAULT' as const] };
const tokenOf = (account: string) => (h.accounts.find((a) => a.name === account) as VaultAccountConfig).token;
const stored = (sim: VaultSimulator, name: string): SimVaultCredential => {
  const c = sim.state.credentials.find((x) => x.uuid === seedUuid(name));
  if (!c) throw new Error(`no vault credential ${name}`);
  return c;
};
const idOf = (sim: VaultSimulator, name: string) => gid('VaultCredential', sim === prod ? PROD : STAGING, stored(sim, name).uuid);
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

async function listAll(filter?: Record<string, unknown>) {
  const res = await h.exec(VaultListCredentialsDocument, { filter: { ...VAULT_ONLY, ...filter }, first: 500 });
  expect(res.errors).toBeUndefined();
  return res.data!.credentials;
}

/** Runs `fn` with `sim`'s credentials temporarily replaced, restoring them afterwards. */
async function withCredentials<T>(sim: VaultSimulator, extra: SimVaultCredential[], fn: () => Promise<T>): Promise<T> {
  const before = sim.state.credentials;
  sim.state.credentials = [...before, ...extra];
  try {
    return await fn();
  } finally {
    sim.state.credentials = before;
  }
}

function bulk(n: number): SimVaultCredential[] {
  return Array.from({ length: n }, (_, i) => ({
    uuid: seedUuid(`bulk-${i}`),
    name: `bulk-secret-${String(i).padStart(3, '0')}`,
    type: 'CREDENTIAL_TYPE_PASSWORD',
    healthStatus: 'CREDENTIAL_HEALTH_STATUS_VALID',
    createdBy: 'bulk-import',
    createDate: inDays(-5),
    lastOpDate: inDays(-5),
    value: `bulk-value-${i}`,
  }));
}

describe('listing vault credentials', () => {
  it('lists every credential of both vaults with one list call each, sending the configured bearer token', async () => {
    const conn = await listAll();
    expect(conn.totalCount).toBe(prod.state.credentials.length + staging.state.credentials.length);
    expect(new Set(conn.edges.map((e) => e.node.account))).toEqual(new Set([PROD, STAGING]));
    expect(new Set(conn.edges.map((e) => e.node.__typename))).toEqual(new Set(['VaultCredential']));
    expect(calls(prod)).toEqual(['GET /api/v1/credentials?pageSize=100']);
    expect(calls(staging)).toEqual(['GET /api/v1/credentials?pageSize=100']);
    expect(prod.requests[0]!.headers.authorization).toBe(`Bearer ${tokenOf(PROD)}`);
    expect(staging.requests[0]!.headers.authorization).toBe(`Bearer ${tokenOf(STAGING)}`);
    expect(prod.requests[0]!.headers.accept).toBe('application/json');
  });

  it('follows nextPageToken until the vault stops returning one', async () => {
    const extra = bulk(230);
    await withCredentials(prod, extra, async () => {
      const conn = await listAll({ accounts: [PROD] });
      expect(conn.totalCount).toBe(prod.state.credentials.length);
      expect(conn.edges.map((e) => e.node.name)).toContain('bulk-secret-229');
      const pages = prod.apiRequests();
      expect(pages.map((r) => r.route)).toEqual(['/api/v1/credentials', '/api/v1/credentials', '/api/v1/credentials']);
      // Each pageToken is exactly the previous response's nextPageToken.
      const auth = { authorization: `Bearer ${tokenOf(PROD)}` };
      let expected: string | undefined;
      for (const page of pages) {
        expect(page.path).toBe(`/api/v1/credentials?pageSize=100${expected ? `&pageToken=${expected}` : ''}`);
        const res = (await (await fetch(`${prod.url}${page.path}`, { headers: auth })).json()) as { nextPageToken?: string };
        expected = res.nextPageToken;
      }
      expect(expected).toBeUndefined();
    });
  });

  it('filters by status, kind, expiresBefore and account', async () => {
    const names = async (filter: Record<string, unknown>) => (await listAll({ accounts: [PROD], ...filter })).edges.map((e) => e.node.name).sort();
    expect(await names({ statuses: ['EXPIRED'] })).toEqual(['mtls-client-cert', 'payments-db-password']);
    expect(await names({ statuses: ['EXPIRING'] })).toEqual(['api.example.com TLS', 'stripe-api-key']);
    expect(await names({ statuses: ['NEVER_EXPIRES'] })).toEqual(['backup-gpg-passphrase', 'ldap-bind-password']);
    expect(await names({ statuses: ['ACTIVE'] })).toEqual(['deploy-bot SSH key', 'github-actions-token']);
    expect(await names({ kinds: ['SSH_KEY'] })).toEqual(['deploy-bot SSH key']);
    expect(await names({ kinds: ['CERTIFICATE'] })).toEqual(['api.example.com TLS', 'mtls-client-cert']);
    expect(await names({ expiresBefore: inDays(30) })).toEqual(['api.example.com TLS', 'mtls-client-cert', 'payments-db-password', 'stripe-api-key']);
    expect(await names({ expiresBefore: inDays(0) })).toEqual(['mtls-client-cert', 'payments-db-password']);
    expect(calls(staging)).toEqual([]);
  });

  it('has no owners: an owner filter yields no vault credentials and calls no vault', async () => {
    const auth0 = h.sim('auth0-prod') as Auth0Simulator;
    const owner = gid('Auth0Client', 'auth0-prod', auth0.state.clients[0]!.client_id);
    const res = await h.exec(VaultListCredentialsDocument, { filter: { ...VAULT_ONLY, owner }, first: 50 });
    expect(res.errors).toBeUndefined();
    expect(res.data!.credentials.totalCount).toBe(0);
    // A credential's id where an owner's belongs is the caller's mistake, and said so.
    const inVault = await h.exec(VaultListCredentialsDocument, { filter: { owner: gid('VaultCredential', PROD, stored(prod, 'stripe-api-key').uuid) } });
    expect(inVault.errors![0]).toMatchObject({
      message: expect.stringMatching(/^filter\.owner must be the id of a CredentialOwner \(.*\), not of a VaultCredential$/),
      extensions: { code: 'BAD_USER_INPUT', fields: [{ field: 'filter.owner', message: 'not an owner id' }] },
    });
    expect(calls(prod)).toEqual([]);
    expect(calls(staging)).toEqual([]);
  });

  it("computes status from expiresAt with the gateway's window, next to the vault's own healthStatus", async () => {
    const conn = await listAll({ accounts: [PROD] });
    const row = (name: string) => {
      const n = conn.edges.find((e) => e.node.name === name)!.node;
      return [n.status, n.__typename === 'VaultCredential' ? n.healthStatus : null, n.kind, n.__typename === 'VaultCredential' ? n.type : null];
    };
    expect(row('payments-db-password')).toEqual(['EXPIRED', 'EXPIRED', 'PASSWORD', 'PASSWORD']);
    expect(row('stripe-api-key')).toEqual(['EXPIRING', 'EXPIRING', 'API_KEY', 'API_KEY']);
    // 21 days out: inside the gateway's 30-day window, outside the vault's 14-day one.
    expect(row('api.example.com TLS')).toEqual(['EXPIRING', 'VALID', 'CERTIFICATE', 'TLS_CERTIFICATE']);
    expect(row('deploy-bot SSH key')).toEqual(['ACTIVE', 'VALID', 'SSH_KEY', 'SSH_KEY']);
    expect(row('ldap-bind-password')).toEqual(['NEVER_EXPIRES', 'VALID', 'PASSWORD', 'PASSWORD']);
    expect(row('backup-gpg-passphrase')).toEqual(['NEVER_EXPIRES', 'UNSPECIFIED', 'SECRET', 'UNSPECIFIED']);
  });

  it('reports a secret the vault itself calls expired or expiring as EXPIRED or EXPIRING, whatever its expiry says, and filters by that', async () => {
    const [expired, expiring] = bulk(2);
    const said = [
      { ...expired!, name: 'vault-says-expired', expiresAt: undefined, healthStatus: 'CREDENTIAL_HEALTH_STATUS_EXPIRED' },
      { ...expiring!, name: 'vault-says-expiring', expiresAt: '2099-01-01T00:00:00Z', healthStatus: 'CREDENTIAL_HEALTH_STATUS_EXPIRING' },
    ] as SimVaultCredential[];
    await withCredentials(prod, said, async () => {
      const urgent = await listAll({ accounts: [PROD], statuses: ['EXPIRED', 'EXPIRING'] });
      const status = (name: string) => urgent.edges.find((e) => e.node.name === name)?.node.status;
      expect([status('vault-says-expired'), status('vault-says-expiring')]).toEqual(['EXPIRED', 'EXPIRING']);
    });
  });

  it('reports a secret the vault calls expiring but whose expiresAt has passed as EXPIRED: a verdict never makes it less urgent', async () => {
    const said = { ...bulk(1)[0]!, name: 'vault-says-expiring-late', expiresAt: '2001-01-01T00:00:00Z', healthStatus: 'CREDENTIAL_HEALTH_STATUS_EXPIRING' } as SimVaultCredential;
    await withCredentials(prod, [said], async () => {
      const node = (await listAll({ accounts: [PROD] })).edges.find((e) => e.node.name === 'vault-says-expiring-late')!.node;
      expect(node).toMatchObject({ status: 'EXPIRED', expiresAt: '2001-01-01T00:00:00.000Z', healthStatus: 'EXPIRING' });
    });
  });

  it('lists a secret without a date that the vault calls expired right after the UNKNOWN ones, not last among the never-expiring', async () => {
    const [expired] = bulk(1);
    const said = { ...expired!, name: 'vault-says-expired', expiresAt: undefined, healthStatus: 'CREDENTIAL_HEALTH_STATUS_EXPIRED' } as SimVaultCredential;
    await withCredentials(prod, [said], async () => {
      const nodes = (await listAll({ accounts: [PROD] })).edges.map((e) => e.node);
      const at = nodes.findIndex((n) => n.name === 'vault-says-expired');
      expect(nodes[at]!.status).toBe('EXPIRED');
      expect(nodes.slice(0, at).filter((n) => n.status !== 'UNKNOWN')).toEqual([]);
    });
  });

  it("answers null expiresAt with the vault's own EXPIRED or EXPIRING for a secret without a date, as the field's description says", async () => {
    const undated = (name: string, healthStatus: string) => ({ ...bulk(1)[0]!, uuid: seedUuid(name), name, expiresAt: undefined, healthStatus }) as SimVaultCredential;
    const said = [undated('vault-says-expired', 'CREDENTIAL_HEALTH_STATUS_EXPIRED'), undated('vault-says-expiring', 'CREDENTIAL_HEALTH_STATUS_EXPIRING')];
    await withCredentials(prod, said, async () => {
      for (const [c, status] of [[said[0]!, 'EXPIRED'], [said[1]!, 'EXPIRING']] as const) {
        const res = await h.exec(VaultNodeDocument, { id: gid('VaultCredential', PROD, c.uuid) });
        expect(res.errors).toBeUndefined();
        expect(res.data!.node).toMatchObject({ expiresAt: null, status });
      }
    });
    // A client reading null as "never expires or unreadable" would miss these: the description names them.
    const described = await h.post(JSON.stringify({ query: '{ c: __type(name: "Credential") { fields { name description } } v: __type(name: "VaultCredential") { fields { name description } } }' }));
    const types = ((await described.json()) as { data: Record<'c' | 'v', { fields: { name: string; description: string }[] }> }).data;
    for (const type of [types.c, types.v]) {
      const expiresAt = type.fields.find((f) => f.name === 'expiresAt')!.description;
      expect(expiresAt).toMatch(/EXPIRED or EXPIRING/);
      expect(expiresAt).toMatch(/healthStatus/);
    }
  });

  it('shows an unknown type or health status as null instead of failing the list', async () => {
    const odd = { ...bulk(1)[0]!, name: 'from-the-future', type: 'CREDENTIAL_TYPE_PGP_KEY', healthStatus: 'CREDENTIAL_HEALTH_STATUS_REVOKED' } as unknown as SimVaultCredential;
    await withCredentials(prod, [odd], async () => {
      const conn = await listAll({ accounts: [PROD] });
      const node = conn.edges.find((e) => e.node.name === 'from-the-future')!.node;
      expect(node).toMatchObject({ kind: 'SECRET', type: null, healthStatus: null });
    });
  });
});

describe('text with an unpaired surrogate', () => {
  /** As a vault's JSON can write it ("\ud800"): JSON.stringify passes it on escaped, and no client decodes it as text. */
  const odd = () => ({ ...bulk(1)[0]!, name: 'billing \ud800 key', description: 'rotated \udc00 monthly', createdBy: 'import \ud83d' });
  const shownAs = { name: 'billing \ufffd key', description: 'rotated \ufffd monthly', createdBy: 'import \ufffd' };

  it('is shown with U+FFFD in its place, in a list and by node', async () => {
    const c = odd();
    const from = h.responses.length;
    await withCredentials(prod, [c], async () => {
      const conn = await listAll({ accounts: [PROD] });
      expect(conn.edges.find((e) => e.node.externalId === c.uuid)!.node).toMatchObject(shownAs);
      const res = await h.exec(VaultNodeDocument, { id: gid('VaultCredential', PROD, c.uuid) });
      expect(res.data!.node).toMatchObject(shownAs);
      for (const text of h.responses.slice(from)) expect(text).not.toMatch(/\\u[dD][89a-fA-F]/);
    });
  });

  it('is sent back as the vault holds it by an update that does not set it, and shown with U+FFFD', async () => {
    const c = odd();
    await withCredentials(prod, [c], async () => {
      const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, c.uuid), value: 'new-value-1' } });
      expect(res.data!.updateCredential).toMatchObject({ __typename: 'UpdateCredentialSuccess', credential: shownAs });
      const put = prod.apiRequests().find((r) => r.method === 'PUT')!;
      // Made well-formed, an update of the value alone would have renamed the credential.
      expect(put.body).toMatchObject({ name: 'billing \ud800 key', description: 'rotated \udc00 monthly' });
    });
  });
});

describe('node and nodes', () => {
  it('resolves a vault credential with every field and no owner, from one GET', async () => {
    const c = stored(prod, 'api.example.com TLS');
    const id = gid('VaultCredential', PROD, c.uuid);
    const res = await h.exec(VaultNodeDocument, { id });
    expect(res.errors).toBeUndefined();
    expect(res.data!.node).toEqual({
      __typename: 'VaultCredential',
      id,
      vendor: 'VAULT',
      account: PROD,
      externalId: c.uuid,
      name: 'api.example.com TLS',
      description: 'Public edge certificate',
      kind: 'CERTIFICATE',
      status: 'EXPIRING',
      createdAt: c.createDate,
      updatedAt: c.lastOpDate,
      expiresAt: c.expiresAt,
      lastUsedAt: null,
      owner: null,
      type: 'TLS_CERTIFICATE',
      healthStatus: 'VALID',
      createdBy: 'cert-manager',
      lastOperationAt: c.lastOpDate,
    });
    expect(calls(prod)).toEqual([`GET /api/v1/credentials/${c.uuid}`]);
    expect(h.responses.at(-1)).not.toContain(c.value);
  });

  it('returns nodes in order: null for a uuid the vault does not know, an error for a malformed id', async () => {
    const known = idOf(prod, 'stripe-api-key');
    const missing = gid('VaultCredential', PROD, '00000000-0000-4000-8000-000000000000');
    const malformed = gid('VaultCredential', PROD, '../credentials');
    const res = await h.exec(VaultNodesDocument, { ids: [known, missing, malformed] });
    expect(res.data!.nodes).toEqual([{ __typename: 'VaultCredential', id: known, name: 'stripe-api-key', type: 'API_KEY' }, null, null]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['nodes', 2], extensions: { code: 'BAD_USER_INPUT' } });
    expect(calls(prod).sort()).toEqual([
      `GET /api/v1/credentials/${stored(prod, 'stripe-api-key').uuid}`,
      'GET /api/v1/credentials/00000000-0000-4000-8000-000000000000',
    ].sort());
  });

  it('makes one upstream call per distinct resource even when a query asks twice', async () => {
    const c = stored(prod, 'stripe-api-key');
    const query = `query($id: ID!) {
      a: node(id: $id) { id } b: node(id: $id) { id }
      c: nodes(ids: [$id, $id]) { id }
      d: credentials(filter: { accounts: ["${PROD}"] }) { totalCount }
      e: credentials(filter: { accounts: ["${PROD}"], statuses: [EXPIRED] }) { totalCount }
    }`;
    const res = await h.post(JSON.stringify({ query, variables: { id: gid('VaultCredential', PROD, c.uuid) } }));
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    const made = calls(prod);
    expect(new Set(made).size).toBe(made.length);
    expect(made.filter((x) => x === 'GET /api/v1/credentials?pageSize=100')).toHaveLength(1);
    expect(made.filter((x) => x === `GET /api/v1/credentials/${c.uuid}`).length).toBeLessThanOrEqual(1);
  });
});

describe('updateCredential on the vault (read-modify-write PUT)', () => {
  const puts = (sim: VaultSimulator) => sim.apiRequests().filter((r) => r.method === 'PUT');

  it('renames: GETs the credential, then PUTs its full metadata with the new name and operator', async () => {
    const c = stored(prod, 'deploy-bot SSH key');
    const before = structuredClone(c);
    const id = gid('VaultCredential', PROD, c.uuid);
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id, name: 'deploy-bot-ed25519' } });
    expect(res.data!.updateCredential).toMatchObject({
      __typename: 'UpdateCredentialSuccess',
      credential: { id, name: 'deploy-bot-ed25519', expiresAt: before.expiresAt, type: 'SSH_KEY', kind: 'SSH_KEY' },
    });
    expect(calls(prod)).toEqual([`GET /api/v1/credentials/${c.uuid}`, `PUT /api/v1/credentials/${c.uuid}`]);
    const put = puts(prod)[0]!;
    expect(put.body).toEqual({ name: 'deploy-bot-ed25519', description: '', expiresAt: before.expiresAt, operator: 'credential-gateway' });
    expect(put.headers['content-type']).toBe('application/json');
    expect(put.headers.authorization).toBe(`Bearer ${tokenOf(PROD)}`);
    expect(c.value).toBe(before.value);
    expect(c.lastOpDate > before.lastOpDate).toBe(true);
    const updated = (res.data!.updateCredential as { credential: { lastOperationAt: string | null; updatedAt: string | null } }).credential;
    expect(updated.lastOperationAt).toBe(c.lastOpDate);
    expect(updated.updatedAt).toBe(c.lastOpDate);
  });

  it('changing only description PUTs the unchanged name and expiresAt too, and no value; the GET comes first', async () => {
    const c = stored(prod, 'stripe-api-key');
    const before = structuredClone(c);
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, c.uuid), description: 'Stripe restricted key, owned by #payments' } });
    expect(res.data!.updateCredential).toMatchObject({ credential: { name: 'stripe-api-key', description: 'Stripe restricted key, owned by #payments' } });
    const [get, put] = prod.apiRequests();
    expect(`${get!.method} ${get!.path}`).toBe(`GET /api/v1/credentials/${c.uuid}`);
    expect(`${put!.method} ${put!.path}`).toBe(`PUT /api/v1/credentials/${c.uuid}`);
    expect(put!.body).toEqual({ name: 'stripe-api-key', description: 'Stripe restricted key, owned by #payments', expiresAt: before.expiresAt, operator: 'credential-gateway' });
    expect(put!.body).not.toHaveProperty('value');
    expect(c.value).toBe(before.value);
  });

  it('sends a description of exactly 1024 characters, the vault’s limit', async () => {
    const c = stored(prod, 'stripe-api-key');
    const description = 'd'.repeat(1024);
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, c.uuid), description } });
    expect(res.data!.updateCredential).toMatchObject({ credential: { description } });
    expect(puts(prod)[0]!.body).toMatchObject({ description });
  });

  it('sends an unchanged expiry back exactly as the vault wrote it (nanoseconds included)', async () => {
    const c = stored(prod, 'github-actions-token');
    c.expiresAt = '2031-05-06T07:08:09.123456789Z';
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, c.uuid), name: 'github-actions-release-token' } });
    expect(res.data!.updateCredential.__typename).toBe('UpdateCredentialSuccess');
    expect(puts(prod)[0]!.body).toMatchObject({ expiresAt: '2031-05-06T07:08:09.123456789Z' });
  });

  it('refuses, with only the read sent, an update that would send back an expiry it cannot read; one that sets expiresAt replaces it', async () => {
    const c = stored(prod, 'github-actions-token');
    const saved = { name: c.name, expiresAt: c.expiresAt };
    c.expiresAt = 'end of Q3';
    try {
      const id = gid('VaultCredential', PROD, c.uuid);
      const refused = await h.exec(VaultUpdateCredentialDocument, { input: { id, name: 'gha-token' } });
      expect(refused.data!.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'input.expiresAt' }] });
      expect(calls(prod)).toEqual([`GET /api/v1/credentials/${c.uuid}`]);
      expect(c).toMatchObject({ name: saved.name, expiresAt: 'end of Q3' });
      expect(h.responses.at(-1)).not.toContain('end of Q3');

      h.reset();
      const expiresAt = inDays(90);
      const res = await h.exec(VaultUpdateCredentialDocument, { input: { id, name: 'gha-token', expiresAt } });
      expect(res.data!.updateCredential).toMatchObject({ __typename: 'UpdateCredentialSuccess', credential: { name: 'gha-token', expiresAt, status: 'ACTIVE' } });
      expect(calls(prod)).toEqual([`GET /api/v1/credentials/${c.uuid}`, `PUT /api/v1/credentials/${c.uuid}`]);
      expect(puts(prod)[0]!.body).toMatchObject({ name: 'gha-token', expiresAt });
    } finally {
      Object.assign(c, saved);
    }
  });

  it('clears the description with null (sent as "") and returns description null', async () => {
    const c = stored(staging, 'ldap-bind-password');
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', STAGING, c.uuid), description: null } });
    expect(res.data!.updateCredential).toMatchObject({ credential: { description: null, name: 'ldap-bind-password' } });
    expect(puts(staging)[0]!.body).toEqual({ name: 'ldap-bind-password', description: '', expiresAt: null, operator: 'credential-gateway' });
    expect(c.description).toBeUndefined();
  });

  it('takes a blank description, once trimmed, as null: cleared, sent as ""', async () => {
    const c = stored(prod, 'stripe-api-key');
    const original = c.description;
    expect(original).toBeTruthy();
    try {
      const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, c.uuid), description: ' \t ' } });
      expect(res.data!.updateCredential).toMatchObject({ credential: { description: null, name: 'stripe-api-key' } });
      expect(puts(prod)[0]!.body).toMatchObject({ description: '' });
    } finally {
      c.description = original;
    }
  });

  it('sets a new expiry, and the vault re-judges its health', async () => {
    const c = stored(staging, 'payments-db-password');
    const expiresAt = inDays(90);
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', STAGING, c.uuid), expiresAt } });
    expect(res.data!.updateCredential).toMatchObject({ credential: { expiresAt, status: 'ACTIVE', healthStatus: 'VALID' } });
    expect(puts(staging)[0]!.body).toEqual({ name: 'payments-db-password', description: 'Postgres role for the payments service', expiresAt, operator: 'credential-gateway' });
  });

  it('clears the expiry with null; a TLS certificate is then UNKNOWN, as a certificate still expires', async () => {
    const c = stored(staging, 'mtls-client-cert');
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', STAGING, c.uuid), expiresAt: null } });
    expect(res.data!.updateCredential).toMatchObject({ credential: { expiresAt: null, status: 'UNKNOWN', type: 'TLS_CERTIFICATE' } });
    expect(puts(staging)[0]!.body).toMatchObject({ expiresAt: null });
    expect(c.expiresAt).toBeUndefined();
  });

  it('rotates the secret: the vault stores the new value, the response carries none, the vault logs the operator', async () => {
    const c = stored(staging, 'stripe-api-key');
    const old = c.value;
    const value = 'sk_live_rotated_2b7e151628aed2a6abf7158809cf4f3c';
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', STAGING, c.uuid), value } });
    expect(res.data!.updateCredential.__typename).toBe('UpdateCredentialSuccess');
    expect(c.value).toBe(value);
    expect(c.value).not.toBe(old);
    expect(puts(staging)[0]!.body).toEqual({ name: 'stripe-api-key', description: c.description, expiresAt: c.expiresAt, value, operator: 'credential-gateway' });
    expect(staging.state.operations.at(-1)).toMatchObject({ uuid: c.uuid, operator: 'credential-gateway', rotated: true });
    expect(JSON.stringify(res)).not.toContain(value);
    expect(JSON.stringify(res)).not.toContain(old);
  });

  it('applies every field at once', async () => {
    const c = stored(staging, 'github-actions-token');
    const expiresAt = inDays(180);
    const input = { id: gid('VaultCredential', STAGING, c.uuid), name: 'gha-release', description: 'Release PAT', expiresAt, value: 'ghp_newTokenValue0123456789' };
    const res = await h.exec(VaultUpdateCredentialDocument, { input });
    expect(res.data!.updateCredential).toMatchObject({ credential: { name: 'gha-release', description: 'Release PAT', expiresAt } });
    expect(puts(staging)[0]!.body).toEqual({ name: 'gha-release', description: 'Release PAT', expiresAt, value: 'ghp_newTokenValue0123456789', operator: 'credential-gateway' });
  });

  it('reads fresh before each write: two updates in one request build on each other', async () => {
    const c = stored(prod, 'ldap-bind-password');
    const mutation = `mutation($id: ID!) {
      a: updateCredential(input: { id: $id, name: "ldap-bind" }) { __typename }
      b: updateCredential(input: { id: $id, description: "Directory sync bind" }) { __typename ... on UpdateCredentialSuccess { credential { name description } } }
    }`;
    const body = (await (await h.post(JSON.stringify({ query: mutation, variables: { id: gid('VaultCredential', PROD, c.uuid) } }))).json()) as {
      data: { b: { credential: { name: string; description: string } } };
    };
    expect(body.data.b.credential).toEqual({ name: 'ldap-bind', description: 'Directory sync bind' });
    expect(calls(prod)).toEqual([
      `GET /api/v1/credentials/${c.uuid}`,
      `PUT /api/v1/credentials/${c.uuid}`,
      `GET /api/v1/credentials/${c.uuid}`,
      `PUT /api/v1/credentials/${c.uuid}`,
    ]);
    expect(puts(prod)[1]!.body).toMatchObject({ name: 'ldap-bind', description: 'Directory sync bind' });
  });

  it.each([
    ['spelled alike', (uuid: string) => uuid],
    ['one in upper case (a UUID in any case names the same secret)', (uuid: string) => uuid.toUpperCase()],
  ])('lets concurrent updates of one secret take turns, so neither overwrites the other’s field: ids %s', async (_name, spell) => {
    const c = stored(prod, 'stripe-api-key');
    expect(c.uuid).toBe(c.uuid.toLowerCase());
    prod.setLatency(50);
    const [a, b] = await Promise.all([
      h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, c.uuid), name: 'stripe-restricted' } }),
      h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, spell(c.uuid)), description: 'Owned by #payments' } }),
    ]);
    expect([a.data!.updateCredential.__typename, b.data!.updateCredential.__typename]).toEqual(['UpdateCredentialSuccess', 'UpdateCredentialSuccess']);
    expect({ name: c.name, description: c.description }).toEqual({ name: 'stripe-restricted', description: 'Owned by #payments' });
    // In turns, each id sent as it was spelled.
    const [path, spelled] = [`/api/v1/credentials/${c.uuid}`, `/api/v1/credentials/${spell(c.uuid)}`];
    expect(calls(prod)).toEqual([`GET ${path}`, `PUT ${path}`, `GET ${spelled}`, `PUT ${spelled}`]);
  });
});

describe('updateCredential refusals, before anything is sent', () => {
  it('accepts every field, so an id of another type in a vault account is a ValidationError on input.id', async () => {
    const id = gid('Auth0ClientCredential', PROD, 'client', 'cred_x');
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id, name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'input.id' }] });
    expect(prod.requests).toEqual([]);
  });

  it.each([
    ['a null name', { name: null }, 'input.name'],
    ['a null value', { value: null }, 'input.value'],
    ['an empty value', { value: '' }, 'input.value'],
    ['a blank name', { name: '   ' }, 'input.name'],
    ['a description over the vault’s 1024 characters', { description: 'd'.repeat(1025) }, 'input.description'],
    ['a past expiry', { expiresAt: '2020-01-01T00:00:00Z' }, 'input.expiresAt'],
    ['a value over the vault’s 64 KiB (UTF-8 bytes)', { value: '€'.repeat(25_000) }, 'input.value'],
    // JSON variables can carry what a GraphQL string literal cannot: a lone surrogate has no UTF-8
    // form, so a vendor would store U+FFFD in its place (a secret the caller does not hold) or refuse it.
    ['a value with a lone surrogate', { value: 'pa\ud800ss' }, 'input.value'],
    ['a name with a lone surrogate', { name: 'billing \udc00' }, 'input.name'],
    ['a description with a lone surrogate', { description: '\ud83d' }, 'input.description'],
    ['a name with a line break, as every vendor refuses', { name: 'two\nlines' }, 'input.name'],
  ])('refuses %s with a ValidationError naming the field', async (_label, change, field) => {
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: idOf(prod, 'stripe-api-key'), ...change } as never });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ field }] });
    expect(prod.requests).toEqual([]);
    expect(h.responses.at(-1)).not.toContain('€€€');
  });

  it('refuses an id this gateway never issued with a ValidationError naming input.id', async () => {
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: 'garbage!', name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'input.id', message: 'malformed' }] });
    expect(prod.requests).toEqual([]);
  });

  it('refuses an input that changes nothing', async () => {
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: idOf(prod, 'stripe-api-key') } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'input' }] });
    expect(prod.requests).toEqual([]);
  });

  const uuid = seedUuid('stripe-api-key');
  it.each([
    ['a path traversal', '../credentials'],
    ['a slash', `${uuid}/../x`],
    ['an encoded slash', `%2F..%2F${uuid}`],
    ['dots', '..'],
    ['a NUL byte', `${uuid}\u0000`],
    ['unicode', 'ünïcødé-😀'],
    ['300+ characters', 'a'.repeat(320)],
    ['a uuid with a query string', `${uuid}?pageSize=1`],
    ['a uuid without dashes', uuid.replace(/-/g, '')],
  ])('refuses an id with %s: never reaches any vault path', async (_label, evil) => {
    const update = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, evil), name: 'x' } });
    expect(update.data!.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'input.id' }] });
    const node = await h.exec(VaultNodeDocument, { id: gid('VaultCredential', PROD, evil) });
    expect(node.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(prod.requests).toEqual([]);
  });

  it('refuses an id with two path segments', async () => {
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, uuid, uuid), name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'ValidationError' });
    expect(prod.requests).toEqual([]);
  });
});

describe('updateCredential: vault failures', () => {
  const id = () => idOf(prod, 'github-actions-token');
  const putCount = () => prod.apiRequests().filter((r) => r.method === 'PUT').length;

  it('maps a 404 on the read to NotFoundError naming the account, and never PUTs', async () => {
    const missing = '11111111-2222-4333-8444-555555555555';
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, missing), name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'NotFoundError', vendor: 'VAULT', account: PROD, message: expect.stringContaining(`credential ${missing} not found`) });
    expect(calls(prod)).toEqual([`GET /api/v1/credentials/${missing}`]);
  });

  it('maps a 404 on the PUT (deleted in between) to NotFoundError', async () => {
    prod.inject({ method: 'PUT', status: 404, json: vaultError(404, 'credential was deleted') });
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: id(), name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'NotFoundError', vendor: 'VAULT', account: PROD });
    expect(prod.apiRequests().map((r) => r.method)).toEqual(['GET', 'PUT']);
  });

  it('maps a vendor 400 to ValidationError with its message and field violations', async () => {
    prod.inject({ method: 'PUT', status: 400, json: vaultError(400, 'invalid UpdateCredentialRequest', [{ field: 'name', description: 'name already in use' }]) });
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: id(), name: 'stripe-api-key' } });
    expect(res.data!.updateCredential).toMatchObject({
      __typename: 'ValidationError',
      vendor: 'VAULT',
      account: PROD,
      message: 'VAULT account "vault-prod" rejected the request (HTTP 400): invalid UpdateCredentialRequest (name: name already in use)',
    });
    expect(putCount()).toBe(1);
  });

  it('reports a 409 (a concurrent change) as a retryable UpstreamError, sent once: the caller may ask again, which reads afresh', async () => {
    prod.inject({ method: 'PUT', status: 409, json: vaultError(409, 'concurrent modification') });
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: id(), name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({
      __typename: 'UpstreamError',
      vendor: 'VAULT',
      account: PROD,
      status: 409,
      retryable: true,
      message: expect.stringContaining('concurrent modification'),
    });
    expect(putCount()).toBe(1);
  });

  it('reports a rejected token (401) as a non-retryable UpstreamError naming vendor and account, sent once', async () => {
    const tokens = prod.state.tokens;
    prod.state.tokens = ['a-token-the-gateway-does-not-have'];
    try {
      const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: id(), name: 'x' } });
      expect(res.data!.updateCredential).toMatchObject({ __typename: 'UpstreamError', vendor: 'VAULT', account: PROD, status: 401, retryable: false, outcomeUnknown: false });
      expect(res.data!.updateCredential).toHaveProperty('message', expect.stringContaining('refused the gateway\'s credentials (HTTP 401): Invalid token'));
      expect(prod.requests.map((r) => r.method)).toEqual(['GET']);
      const list = await h.exec(ListCredentialsDocument, { filter: { accounts: [PROD] } });
      expect(list.errors).toHaveLength(1);
      expect(list.errors![0]).toMatchObject({ extensions: { code: 'UPSTREAM_ERROR', vendor: 'VAULT', account: PROD, status: 401 } });
    } finally {
      prod.state.tokens = tokens;
    }
  });

  it('keeps the token out of the error when the vault quotes it back', async () => {
    const token = tokenOf(PROD);
    prod.inject({ status: 401, json: vaultError(401, `token ${token} has been revoked`) });
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: id(), name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'UpstreamError', message: expect.stringContaining('token [redacted] has been revoked') });
    expect(h.responses.at(-1)).not.toContain(token);
    // The fault answered the read: nothing was written, and a refused token was not sent again.
    expect(prod.apiRequests().map((r) => r.method)).toEqual(['GET']);
  });

  it('reports 403 as a non-retryable UpstreamError', async () => {
    prod.inject({ method: 'PUT', status: 403, json: vaultError(403, 'token lacks credentials.write') });
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: id(), name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'UpstreamError', status: 403, retryable: false });
    expect(putCount()).toBe(1);
  });

  it('reports 429 as RateLimitedError with retryAfter from Retry-After when the wait outlasts the request', async () => {
    prod.inject({ method: 'PUT', status: 429, headers: { 'retry-after': '300' }, json: vaultError(429, 'rate limit exceeded') });
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: id(), name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'RateLimitedError', vendor: 'VAULT', account: PROD, retryAfter: 300 });
    expect(putCount()).toBe(1);
  });

  it("answers its own rate limit with 429 RESOURCE_EXHAUSTED and Retry-After", async () => {
    prod.state.rateLimit = { perSecond: 0 };
    try {
      const res = await h.exec(VaultNodeDocument, { id: id() });
      expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', vendor: 'VAULT', account: PROD, retryAfter: 1 } });
    } finally {
      prod.state.rateLimit = null;
    }
  });

  it('reports a 5xx that outlasts the retries as a retryable UpstreamError; the PUT is idempotent, so the outcome is not unknown', async () => {
    prod.inject({ method: 'PUT', status: 503, times: 3, json: vaultError(503, 'backend unavailable') });
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: id(), name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'UpstreamError', vendor: 'VAULT', account: PROD, status: 503, retryable: true, outcomeUnknown: false });
    expect(putCount()).toBe(3);
  });

  it('sends no PUT when the read fails', async () => {
    prod.inject({ method: 'GET', status: 500 });
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: id(), name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'UpstreamError', status: 500 });
    expect(putCount()).toBe(0);
  });

  it('reports malformed JSON as an UpstreamError, not a crash', async () => {
    prod.inject({ method: 'PUT', malformed: true });
    const res = await h.exec(VaultUpdateCredentialDocument, { input: { id: id(), name: 'x' } });
    expect(res.data!.updateCredential).toMatchObject({ __typename: 'UpstreamError', status: 200, message: expect.stringContaining('malformed JSON') });
    expect(prod.apiRequests().map((r) => r.method)).toEqual(['GET', 'PUT']);
    prod.inject({ method: 'GET', malformed: true });
    const node = await h.exec(VaultNodeDocument, { id: id() });
    expect(node.errors?.[0]).toMatchObject({ extensions: { code: 'UPSTREAM_ERROR', vendor: 'VAULT', account: PROD } });
    expect(prod.apiRequests().map((r) => r.method)).toEqual(['GET', 'PUT', 'GET']);
  });

  it('reports a response of the wrong shape as an UpstreamError naming the path, not the values', async () => {
    prod.inject({ method: 'GET', status: 200, json: { uuid: 42, name: 'x' } });
    const node = await h.exec(VaultNodeDocument, { id: id() });
    expect(node.errors?.[0]?.message).toContain('unexpected response shape (HTTP 200) at uuid');
  });
});

describe('one account failing', () => {
  it.each([
    ...ACCOUNT_FAILURES,
  ])('keeps the other vault and the other vendors, plus one error naming the failed vault (%s)', async (_label, fault, code) => {
    staging.inject({ route: '/api/v1/credentials', ...fault });
    const res = await h.exec(ListCredentialsDocument, { first: 500, filter: { vendors: ['VAULT', 'AUTH0'] } });
    const accounts = new Set(res.data!.credentials.edges.map((e) => e.node.account));
    expect(accounts).toEqual(new Set([PROD, 'auth0-prod']));
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['credentials'], extensions: { code, vendor: 'VAULT', account: STAGING } });
  });
});

describe('secret hygiene during vault updates', () => {
  it('never logs or returns the secret value: success, a vendor 400 quoting it, a 5xx quoting it', async () => {
    const value = 'vault-secret-VALUE-7f3a9c2e51d84b06';
    const id = idOf(prod, 'payments-db-password');
    const ok = await h.exec(VaultUpdateCredentialDocument, { input: { id, value } });
    expect(ok.data!.updateCredential.__typename).toBe('UpdateCredentialSuccess');
    expect(stored(prod, 'payments-db-password').value).toBe(value);

    const next = `${value}-next`;
    prod.inject({ method: 'PUT', status: 400, json: vaultError(400, `value "${next}" does not meet the password policy`, [{ field: 'value', description: `"${next}" is too weak` }]) });
    const refused = await h.exec(VaultUpdateCredentialDocument, { input: { id, value: next } });
    expect(refused.data!.updateCredential).toMatchObject({ __typename: 'ValidationError', message: expect.stringContaining('value "[redacted]" does not meet the password policy') });

    prod.inject({ method: 'PUT', status: 500, json: vaultError(500, `failed to encrypt ${next}`) });
    const failed = await h.exec(VaultUpdateCredentialDocument, { input: { id, value: next } });
    expect(failed.data!.updateCredential).toMatchObject({ __typename: 'UpstreamError', status: 500 });

    // Proof the vault really received the values the gateway must keep quiet about.
    expect(prod.apiRequests().filter((r) => r.method === 'PUT').map((r) => (r.body as { value: string }).value)).toEqual([value, next, next]);
    const everything = [...h.logs, ...h.responses].join('\n');
    for (const secret of [value, next, tokenOf(PROD), tokenOf(STAGING)]) {
      expect(everything.includes(secret), `found a secret (${secret.slice(0, 6)}…)`).toBe(false);
    }
    expect(h.logs.some((l) => l.includes('"operation":"updateCredential"') && l.includes('"fields":["value"]'))).toBe(true);
  });

  it('never logs or returns any vault token over this whole file', () => {
    const everything = [...h.logs, ...h.responses].join('\n');
    for (const token of [tokenOf(PROD), tokenOf(STAGING)]) expect(everything.includes(token)).toBe(false);
    expect(everything).not.toContain(stored(prod, 'deploy-bot SSH key').value);
  });
});

describe('operator on vault writes', () => {
  let authed: Harness;
  let jwt: JwtFixture;
  beforeAll(async () => {
    jwt = await jwtFixture();
    authed = await startHarness({ accounts: { vault: [PROD], auth0: ['auth0-prod'] }, config: { auth: authConfig(jwt) } });
  });
  afterAll(() => authed.close());

  it('is "credential-gateway" (the service name) when auth is off', async () => {
    await h.exec(VaultUpdateCredentialDocument, { input: { id: idOf(prod, 'deploy-bot SSH key'), description: 'CI deploys' } });
    expect(prod.apiRequests().find((r) => r.method === 'PUT')!.body).toMatchObject({ operator: 'credential-gateway' });
  });

  it("is the authenticated caller's name: an API key's", async () => {
    const sim = authed.sim(PROD) as VaultSimulator;
    const c = sim.state.credentials[0]!;
    const res = await authed.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, c.uuid), value: 'rotated-by-admin-0001' } }, { 'x-api-key': KEYS.admin });
    expect(res.data!.updateCredential.__typename).toBe('UpdateCredentialSuccess');
    const put = sim.apiRequests().find((r) => r.method === 'PUT')!;
    expect(put.body).toMatchObject({ operator: 'admin', value: 'rotated-by-admin-0001' });
    expect(sim.state.operations.at(-1)).toMatchObject({ operator: 'admin', rotated: true });
  });

  it("is the authenticated caller's name: a JWT subject's", async () => {
    const sim = authed.sim(PROD) as VaultSimulator;
    sim.clearRequests();
    const token = await jwt.sign({ sub: 'alice', scope: 'credentials:read credentials:write' });
    const c = sim.state.credentials[1]!;
    const res = await authed.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, c.uuid), name: 'renamed-by-alice' } }, { authorization: `Bearer ${token}` });
    expect(res.data!.updateCredential.__typename).toBe('UpdateCredentialSuccess');
    expect(sim.apiRequests().find((r) => r.method === 'PUT')!.body).toMatchObject({ operator: 'alice', name: 'renamed-by-alice' });
  });

  it('refuses a reader before anything reaches the vault', async () => {
    const sim = authed.sim(PROD) as VaultSimulator;
    sim.clearRequests();
    const res = await authed.exec(VaultUpdateCredentialDocument, { input: { id: gid('VaultCredential', PROD, sim.state.credentials[0]!.uuid), name: 'x' } }, { 'x-api-key': KEYS.reader });
    expect(res.data!.updateCredential.__typename).toBe('PermissionDeniedError');
    expect(sim.requests).toEqual([]);
  });
});
