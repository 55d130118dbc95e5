import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeSegment } from '../../../src/http/path.js';
import { encodeGlobalId } from '../../../src/schema/global-id.js';
import type { RecordedRequest } from '../../../src/sim/server.js';
import { cursorOf, type KeycardSimulator, type SimCredential, type SimServiceAccount } from '../../../src/vendors/keycard/simulator.js';
import type { KeycardAccountConfig } from '../../../src/vendors/keycard/account.js';
import {
  KeycardListCredentialsDocument,
  KeycardListCredentialsWithPermissionsDocument,
  KeycardNodeDocument,
  KeycardNodesDocument,
  KeycardNodeWithPermissionsDocument,
  KeycardUpdateCredentialDocument,
  ListCredentialsDocument,
  NodesDocument,
  type KeycardListCredentialsQuery,
  type KeycardUpdateCredentialMutation,
} from '../../gql/graphql.js';
import { calls, startHarness, type Harness } from '../../fixtures/harness.js';

const KC = 'keycard-sandbox';
const EU = 'keycard-eu';
const KEYCARD_ONLY = { vendors: ['KEYCARD' as const] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let h: Harness;
let kc: KeycardSimulator;
let eu: KeycardSimulator;

beforeAll(async () => {
  h = await startHarness({ accounts: { keycard: [KC, EU] } });
  kc = h.sim(KC) as KeycardSimulator;
  eu = h.sim(EU) as KeycardSimulator;
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const accountOf = (sim: KeycardSimulator) => (sim === kc ? KC : EU);
const org = (sim: KeycardSimulator) => `/organizations/${sim.state.organization.id}`;
const configOf = (account: string) => h.accounts.find((a) => a.name === account) as KeycardAccountConfig;
const saGid = (account: string, saId: string) => encodeGlobalId('KeycardServiceAccount', JSON.stringify([account, saId]));
const credGid = (account: string, saId: string, credId: string) => encodeGlobalId('KeycardCredential', JSON.stringify([account, saId, credId]));

function serviceAccount(sim: KeycardSimulator, name: string): SimServiceAccount & { globalId: string } {
  const sa = sim.state.serviceAccounts.find((s) => s.name === name);
  if (!sa) throw new Error(`no service account ${name}`);
  return { ...sa, globalId: saGid(accountOf(sim), sa.id) };
}
function credential(sim: KeycardSimulator, name: string): SimCredential & { saId: string; globalId: string } {
  for (const [saId, creds] of sim.state.credentials) {
    const c = creds.find((x) => x.name === name);
    if (c) return { ...c, saId, globalId: credGid(accountOf(sim), saId, c.id) };
  }
  throw new Error(`no credential ${name}`);
}
const allCredentials = (sim: KeycardSimulator) => [...sim.state.credentials.values()].flat();
/** Requests other than token calls, as `METHOD /path?query`. */
const apiCalls = calls;
const patches = (sim: KeycardSimulator) => sim.apiRequests().filter((r) => r.method === 'PATCH');
/** Everything the simulator received except token calls: what "nothing was sent" means. */
const sentExceptToken = (sim: KeycardSimulator) => sim.requests.filter((r) => r.route !== '/service-account-token');

type ListedNode = KeycardListCredentialsQuery['credentials']['edges'][number]['node'];
type KeycardNode = Extract<ListedNode, { __typename: 'KeycardCredential' }>;
const isKeycard = (n: ListedNode): n is KeycardNode => n.__typename === 'KeycardCredential';

/** Keycard credentials only (other vendors' sandboxes run too), every page at once. */
async function listAll(filter: Record<string, unknown> = {}) {
  const res = await h.exec(KeycardListCredentialsDocument, { filter: { ...KEYCARD_ONLY, ...filter }, first: 500 });
  expect(res.errors).toBeUndefined();
  const nodes = res.data!.credentials.edges.map((e) => e.node);
  expect(nodes.every(isKeycard)).toBe(true);
  return { totalCount: res.data!.credentials.totalCount, edges: nodes.filter(isKeycard).map((node) => ({ node })) };
}

async function update(input: Record<string, unknown>) {
  const res = await h.exec(KeycardUpdateCredentialDocument, { input: input as never });
  expect(res.errors).toBeUndefined();
  return res.data!.updateCredential as KeycardUpdateCredentialMutation['updateCredential'] & Record<string, unknown>;
}

describe('credentials across Keycard organizations', () => {
  it('lists every credential of every service account in both organizations as never-expiring client secrets', async () => {
    const conn = await listAll();
    expect(conn.totalCount).toBe(allCredentials(kc).length + allCredentials(eu).length);
    expect(new Set(conn.edges.map((e) => e.node.account))).toEqual(new Set([KC, EU]));
    for (const { node } of conn.edges) {
      expect(node).toMatchObject({ __typename: 'KeycardCredential', vendor: 'KEYCARD', kind: 'CLIENT_SECRET', status: 'NEVER_EXPIRES', expiresAt: null, updatedAt: null });
    }
  });

  it('gets a token with the client-credentials grant, client authenticated by HTTP Basic', async () => {
    kc.revokeTokens();
    await listAll({ accounts: [KC] });
    const tokenCalls = kc.requests.filter((r) => r.route === '/service-account-token');
    expect(tokenCalls).toHaveLength(1);
    const token = tokenCalls[0]!;
    const { clientId, clientSecret } = configOf(KC);
    expect(token).toMatchObject({ method: 'POST', path: '/service-account-token', body: { grant_type: 'client_credentials' } });
    expect(token.headers.authorization).toBe(`Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`);
    expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
    // The secret travels only in the Basic header, never in the form body.
    expect(Object.keys(token.body as object)).toEqual(['grant_type']);
    // The 401 came first (revoked token), then the token call, then the same call again.
    expect(kc.requests.slice(0, 3).map((r) => r.route)).toEqual([
      '/organizations/:organization_id/service-accounts',
      '/service-account-token',
      '/organizations/:organization_id/service-accounts',
    ]);
  });

  it('calls each list once with the bearer, limit=100 and no expand when permissions are not selected', async () => {
    await listAll({ accounts: [KC] });
    const expected = [
      `GET ${org(kc)}/service-accounts?limit=100`,
      ...kc.state.serviceAccounts.map((s) => `GET ${org(kc)}/service-accounts/${s.id}/credentials?limit=100`),
    ];
    expect(apiCalls(kc).sort()).toEqual(expected.sort());
    for (const r of kc.apiRequests()) {
      expect(r.headers.authorization).toMatch(/^Bearer [\w-]+$/);
      expect(r.query.expand).toBeUndefined();
      expect(r.query['expand[]']).toBeUndefined();
    }
    expect(apiCalls(eu)).toEqual([]);
  });

  it('follows cursor pagination with after=end_cursor until has_next_page is false', async () => {
    const bulkAccounts: SimServiceAccount[] = Array.from({ length: 205 }, (_, i) => ({
      id: `bulk${String(i).padStart(22, '0')}`,
      name: `bulk-${i}`,
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2025-01-01T00:00:00Z',
    }));
    const billing = serviceAccount(kc, 'billing-worker');
    const bulkCredentials: SimCredential[] = Array.from({ length: 150 }, (_, i) => ({
      id: `cred${String(i).padStart(22, '0')}`,
      client_id: `bulkclient${i}`,
      name: `bulk-credential-${i}`,
      created_at: '2025-01-01T00:00:00Z',
    }));
    const billingBefore = kc.state.credentials.get(billing.id)!;
    kc.state.serviceAccounts.push(...bulkAccounts);
    kc.state.credentials.set(billing.id, [...billingBefore, ...bulkCredentials]);
    kc.state.credentials.set(bulkAccounts[204]!.id, [{ id: 'lastpagecredential00000000', client_id: 'lastpageclient', name: 'on-the-last-page', created_at: '2025-01-01T00:00:00Z' }]);
    try {
      const conn = await listAll({ accounts: [KC] });
      const names = conn.edges.map((e) => e.node.name);
      expect(names).toContain('bulk-credential-149');
      expect(names).toContain('on-the-last-page');
      expect(conn.totalCount).toBe(allCredentials(kc).length);

      const saPages = kc.apiRequests().filter((r) => r.route === '/organizations/:organization_id/service-accounts');
      const all = kc.state.serviceAccounts;
      expect(saPages.map((r) => r.query)).toEqual([
        { limit: ['100'] },
        { limit: ['100'], after: [cursorOf(all[99]!.id)] },
        { limit: ['100'], after: [cursorOf(all[199]!.id)] },
      ]);
      const billingPages = kc.apiRequests().filter((r) => r.path.startsWith(`${org(kc)}/service-accounts/${billing.id}/credentials?`));
      expect(billingPages.map((r) => r.query.after?.[0])).toEqual([undefined, cursorOf(kc.state.credentials.get(billing.id)![99]!.id)]);
    } finally {
      kc.state.serviceAccounts.splice(-205);
      kc.state.credentials.set(billing.id, billingBefore);
      kc.state.credentials.delete(bulkAccounts[204]!.id);
    }
  });

  it('filters by owner, calling only that service account', async () => {
    const billing = serviceAccount(kc, 'billing-worker');
    const conn = await listAll({ owner: billing.globalId });
    expect(conn.edges.map((e) => e.node.name).sort()).toEqual(['billing-prod', 'billing-rotation-2025']);
    expect(conn.edges.every((e) => e.node.owner?.externalId === billing.id)).toBe(true);
    // The owner's name costs one read of that service account; no organization-wide list.
    expect(apiCalls(kc).sort()).toEqual([`GET ${org(kc)}/service-accounts/${billing.id}`, `GET ${org(kc)}/service-accounts/${billing.id}/credentials?limit=100`]);
    expect(apiCalls(eu)).toEqual([]);
  });

  it('filters by status and expiresBefore: Keycard credentials never expire', async () => {
    const never = await listAll({ statuses: ['NEVER_EXPIRES'] });
    expect(never.totalCount).toBe(allCredentials(kc).length + allCredentials(eu).length);
    for (const statuses of [['EXPIRED'], ['EXPIRING'], ['ACTIVE']]) expect((await listAll({ statuses })).totalCount).toBe(0);
    expect((await listAll({ expiresBefore: new Date(Date.now() + 3650 * 86_400_000).toISOString() })).totalCount).toBe(0);
    expect((await listAll({ kinds: ['CLIENT_SECRET'], accounts: [EU] })).totalCount).toBe(allCredentials(eu).length);
  });

  it('computes status as NEVER_EXPIRES for every Keycard credential', async () => {
    const conn = await listAll({ accounts: [KC] });
    expect(new Set(conn.edges.map((e) => e.node.status))).toEqual(new Set(['NEVER_EXPIRES']));
  });
});

describe('node and nodes', () => {
  it('resolves a credential with every vendor field and its owner, without expand', async () => {
    const c = credential(kc, 'billing-prod');
    const billing = serviceAccount(kc, 'billing-worker');
    const res = await h.exec(KeycardNodeDocument, { id: c.globalId });
    expect(res.errors).toBeUndefined();
    expect(res.data?.node).toEqual({
      __typename: 'KeycardCredential',
      id: c.globalId,
      vendor: 'KEYCARD',
      account: KC,
      externalId: c.id,
      name: 'billing-prod',
      description: c.description,
      kind: 'CLIENT_SECRET',
      status: 'NEVER_EXPIRES',
      createdAt: c.created_at,
      updatedAt: null,
      expiresAt: null,
      lastUsedAt: c.last_used_at,
      clientId: c.client_id,
      owner: { __typename: 'KeycardServiceAccount', id: billing.globalId, externalId: billing.id, name: 'billing-worker' },
    });
    expect(apiCalls(kc)).toEqual([`GET ${org(kc)}/service-accounts/${c.saId}/credentials/${c.id}`, `GET ${org(kc)}/service-accounts/${c.saId}`]);
  });

  it('shows lastUsedAt as null for a credential never used', async () => {
    const res = await h.exec(KeycardNodeDocument, { id: credential(kc, 'billing-rotation-2025').globalId });
    expect(res.data?.node).toMatchObject({ name: 'billing-rotation-2025', lastUsedAt: null });
  });

  it('resolves a service account with its fields and credentials, whose owner costs no extra call', async () => {
    const billing = serviceAccount(kc, 'billing-worker');
    const res = await h.exec(KeycardNodeDocument, { id: billing.globalId });
    expect(res.data?.node).toMatchObject({
      __typename: 'KeycardServiceAccount',
      id: billing.globalId,
      vendor: 'KEYCARD',
      account: KC,
      externalId: billing.id,
      name: 'billing-worker',
      description: 'Charges customers nightly',
      createdAt: billing.created_at,
      updatedAt: billing.updated_at,
    });
    const creds = (res.data!.node as { credentials: { name: string; status: string; owner: { id: string } }[] }).credentials;
    expect(creds.map((c) => c.name).sort()).toEqual(['billing-prod', 'billing-rotation-2025']);
    expect(creds.every((c) => c.status === 'NEVER_EXPIRES' && c.owner.id === billing.globalId)).toBe(true);
    expect(apiCalls(kc).sort()).toEqual([`GET ${org(kc)}/service-accounts/${billing.id}`, `GET ${org(kc)}/service-accounts/${billing.id}/credentials?limit=100`].sort());
  });

  it('resolves a service account without credentials to an empty list', async () => {
    const res = await h.exec(KeycardNodeDocument, { id: serviceAccount(kc, 'audit-reader').globalId });
    expect(res.data?.node).toMatchObject({ name: 'audit-reader', credentials: [] });
  });

  it('keeps a service account whose credentials cannot be read: credentials null, one error naming the account', async () => {
    const billing = serviceAccount(kc, 'billing-worker');
    kc.inject({ route: '/organizations/:organization_id/service-accounts/:service_account_id/credentials', malformed: true });
    const res = await h.exec(KeycardNodeDocument, { id: billing.globalId });
    expect(res.data?.node).toMatchObject({ id: billing.globalId, name: 'billing-worker', credentials: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['node', 'credentials'], extensions: { code: 'UPSTREAM_ERROR', vendor: 'KEYCARD', account: KC } });
  });

  it('resolves nodes in order: null for a missing credential, an error only for the malformed id', async () => {
    const c = credential(eu, 'github-actions');
    const sa = serviceAccount(eu, 'terraform-ci');
    const missing = credGid(EU, sa.id, 'doesnotexist0000000000000a');
    const res = await h.exec(KeycardNodesDocument, { ids: [c.globalId, sa.globalId, missing, 'not-an-id!'] });
    expect(res.data?.nodes).toEqual([
      { __typename: 'KeycardCredential', id: c.globalId, name: 'github-actions' },
      { __typename: 'KeycardServiceAccount', id: sa.globalId, name: 'terraform-ci' },
      null,
      null,
    ]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['nodes', 3], extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('makes one upstream call per distinct resource even when a query asks twice', async () => {
    const c = credential(kc, 'snowflake-sync');
    const query = `query($id: ID!, $sa: ID!) {
      a: node(id: $id) { id ... on Credential { owner { id } } } b: node(id: $id) { id }
      c: nodes(ids: [$id, $id, $sa]) { id }
      d: credentials(filter: { accounts: ["${KC}"] }) { totalCount edges { node { owner { name } } } }
      e: credentials(filter: { accounts: ["${KC}"], statuses: [NEVER_EXPIRES] }) { totalCount }
      f: node(id: $sa) { id ... on CredentialOwner { credentials { id } } }
    }`;
    const res = await h.post(JSON.stringify({ query, variables: { id: c.globalId, sa: saGid(KC, c.saId) } }));
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    const seen = apiCalls(kc);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((x) => x.includes(`/credentials/${c.id}`))).toHaveLength(1);
    expect(seen.filter((x) => x === `GET ${org(kc)}/service-accounts/${c.saId}/credentials?limit=100`)).toHaveLength(1);
  });
});

describe('text with an unpaired surrogate, as Keycard\'s JSON can write it ("\\ud800")', () => {
  it("is shown with U+FFFD in its place: a credential's name and description, its owner's name", async () => {
    const c = credential(kc, 'atlantis');
    const stored = kc.state.credentials.get(c.saId)!.find((x) => x.id === c.id)!;
    const owner = kc.state.serviceAccounts.find((s) => s.id === c.saId)!;
    const before = { name: stored.name, description: stored.description, owner: owner.name };
    Object.assign(stored, { name: 'atlantis \ud800', description: '\udc00 plans' });
    owner.name = 'terraform \ud83d';
    try {
      const res = await h.post(JSON.stringify({ query: `{ node(id: "${c.globalId}") { ... on Credential { name description owner { name } } } }` }));
      const text = await res.text();
      expect(text).not.toMatch(/\\u[dD][89a-fA-F]/);
      expect(JSON.parse(text)).toEqual({ data: { node: { name: 'atlantis \ufffd', description: '\ufffd plans', owner: { name: 'terraform \ufffd' } } } });
    } finally {
      Object.assign(stored, { name: before.name, description: before.description });
      owner.name = before.owner;
    }
  });

  it('fails a permission map holding one in a name, rather than show it with U+FFFD, which could merge two names into one', async () => {
    const c = credential(kc, 'atlantis');
    const before = kc.state.permissions.get(c.id);
    kc.state.permissions.set(c.id, { 'zone\ud800': { read: true }, 'zone\udc00': { read: false } });
    try {
      const res = await h.exec(KeycardNodeWithPermissionsDocument, { id: c.globalId });
      expect(res.errors).toEqual([expect.objectContaining({ path: ['node', 'permissions'], extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR' }) })]);
      expect(res.data?.node).toMatchObject({ name: 'atlantis', permissions: null });
    } finally {
      if (before) kc.state.permissions.set(c.id, before);
      else kc.state.permissions.delete(c.id);
    }
  });
});

describe('permissions (expand=permissions only when selected)', () => {
  it('lists permissions with one expanded list per service account and one for the service accounts', async () => {
    const res = await h.exec(KeycardListCredentialsWithPermissionsDocument, { filter: { ...KEYCARD_ONLY, accounts: [KC] }, first: 500 });
    expect(res.errors).toBeUndefined();
    for (const { node } of res.data!.credentials.edges) {
      if (node.__typename !== 'KeycardCredential') throw new Error('not a Keycard credential');
      expect(node.permissions).toEqual(kc.state.permissions.get(node.externalId));
      expect((node.owner as { permissions: unknown }).permissions).toEqual(kc.state.permissions.get(node.owner!.externalId));
    }
    const seen = apiCalls(kc);
    expect(new Set(seen).size).toBe(seen.length);
    // Only service accounts that have credentials are asked for their credentials' permissions.
    const owners = kc.state.serviceAccounts.filter((s) => kc.state.credentials.get(s.id)?.length).map((s) => s.id);
    expect(seen.filter((x) => x.includes('expand')).sort()).toEqual(
      [`GET ${org(kc)}/service-accounts?expand=permissions&limit=100`, ...owners.map((id) => `GET ${org(kc)}/service-accounts/${id}/credentials?expand=permissions&limit=100`)].sort(),
    );
    // The plain lists are still made once each, without expand.
    expect(seen.filter((x) => !x.includes('expand'))).toHaveLength(1 + kc.state.serviceAccounts.length);
  });

  it('reads a single credential and its owner again with expand, once each', async () => {
    const c = credential(kc, 'atlantis');
    const res = await h.exec(KeycardNodeWithPermissionsDocument, { id: c.globalId });
    expect(res.errors).toBeUndefined();
    expect(res.data?.node).toMatchObject({ name: 'atlantis', permissions: kc.state.permissions.get(c.id), owner: { permissions: kc.state.permissions.get(c.saId) } });
    const base = `${org(kc)}/service-accounts/${c.saId}`;
    expect(apiCalls(kc).sort()).toEqual(
      [`GET ${base}/credentials/${c.id}`, `GET ${base}/credentials/${c.id}?expand=permissions`, `GET ${base}`, `GET ${base}?expand=permissions`].sort(),
    );
  });

  it("reads a service account's credential permissions from one expanded list", async () => {
    const sa = serviceAccount(eu, 'terraform-ci');
    const res = await h.exec(KeycardNodeWithPermissionsDocument, { id: sa.globalId });
    expect(res.errors).toBeUndefined();
    const node = res.data!.node as { permissions: unknown; credentials: { permissions: unknown }[] };
    expect(node.permissions).toEqual(eu.state.permissions.get(sa.id));
    expect(node.credentials.map((c) => c.permissions)).toEqual(eu.state.credentials.get(sa.id)!.map((c) => eu.state.permissions.get(c.id)));
    const base = `${org(eu)}/service-accounts/${sa.id}`;
    expect(apiCalls(eu).sort()).toEqual([`GET ${base}`, `GET ${base}?expand=permissions`, `GET ${base}/credentials?limit=100`, `GET ${base}/credentials?expand=permissions&limit=100`].sort());
  });
});

describe('updateCredential on Keycard', () => {
  const path = (c: { saId: string; id: string }, sim = kc) => `${org(sim)}/service-accounts/${c.saId}/credentials/${c.id}`;

  it('sends PATCH with body {"name"} only and returns the renamed credential', async () => {
    const c = credential(kc, 'github-actions');
    try {
      const result = await update({ id: c.globalId, name: 'github-actions-2026' });
      expect(result).toMatchObject({ __typename: 'UpdateCredentialSuccess', credential: { id: c.globalId, name: 'github-actions-2026', clientId: c.client_id, status: 'NEVER_EXPIRES' } });
      expect(patches(kc)).toHaveLength(1);
      const patch = patches(kc)[0]!;
      expect(patch).toMatchObject({ path: path(c), body: { name: 'github-actions-2026' } });
      expect(Object.keys(patch.body as object)).toEqual(['name']);
      expect(patch.headers['content-type']).toBe('application/json');
      expect(patch.headers.authorization).toMatch(/^Bearer /);
      expect(patch.headers['x-client-request-id']).toMatch(UUID);
      expect(credential(kc, 'github-actions-2026').id).toBe(c.id);
    } finally {
      kc.state.credentials.get(c.saId)!.find((x) => x.id === c.id)!.name = 'github-actions';
    }
  });

  it('sends PATCH with body {"description"} only', async () => {
    const c = credential(kc, 'snowflake-sync');
    const result = await update({ id: c.globalId, description: 'Hourly export to Snowflake' });
    expect(result).toMatchObject({ __typename: 'UpdateCredentialSuccess', credential: { name: 'snowflake-sync', description: 'Hourly export to Snowflake' } });
    expect(patches(kc).map((r) => r.body)).toEqual([{ description: 'Hourly export to Snowflake' }]);
  });

  it('sends both fields in one PATCH when both change', async () => {
    const c = credential(eu, 'atlantis');
    const result = await update({ id: c.globalId, name: 'atlantis-retired', description: 'Replaced by github-actions' });
    expect(result).toMatchObject({ __typename: 'UpdateCredentialSuccess', credential: { name: 'atlantis-retired', description: 'Replaced by github-actions' } });
    expect(patches(eu).map((r) => ({ path: r.path, body: r.body }))).toEqual([{ path: path(c, eu), body: { name: 'atlantis-retired', description: 'Replaced by github-actions' } }]);
  });

  it('keeps the request\'s loaders consistent: a list read before an update is read again after it', async () => {
    const prod = credential(kc, 'billing-prod');
    const standby = credential(kc, 'billing-rotation-2025');
    // Mutation fields run in order: the first caches the owner's credential list, the second must not see it stale.
    const mutation = `mutation($a: UpdateCredentialInput!, $b: UpdateCredentialInput!) {
      first: updateCredential(input: $a) { ... on UpdateCredentialSuccess { credential { owner { credentials { name } } } } }
      second: updateCredential(input: $b) { ... on UpdateCredentialSuccess { credential { name owner { credentials { name } } } } }
    }`;
    try {
      const res = await h.post(JSON.stringify({ query: mutation, variables: { a: { id: prod.globalId, description: prod.description }, b: { id: standby.globalId, name: 'billing-standby' } } }));
      type Success = { credential: { name: string; owner: { credentials: { name: string }[] } } };
      const body = (await res.json()) as { data: { first: Success; second: Success } };
      expect(body.data.first.credential.owner.credentials.map((x) => x.name).sort()).toEqual(['billing-prod', 'billing-rotation-2025']);
      expect(body.data.second.credential.name).toBe('billing-standby');
      expect(body.data.second.credential.owner.credentials.map((x) => x.name).sort()).toEqual(['billing-prod', 'billing-standby']);
      const listCalls = apiCalls(kc).filter((x) => x.endsWith(`/service-accounts/${prod.saId}/credentials?limit=100`));
      expect(listCalls).toHaveLength(2);
    } finally {
      kc.state.credentials.get(standby.saId)!.find((x) => x.id === standby.id)!.name = 'billing-rotation-2025';
    }
  });

  it('accepts a 500-character description, counted in characters (500 emoji)', async () => {
    const c = credential(kc, 'billing-rotation-2025');
    const description = '🔑'.repeat(500);
    const result = await update({ id: c.globalId, description });
    expect(result).toMatchObject({ __typename: 'UpdateCredentialSuccess', credential: { description } });
  });

  it('refuses a 501-character description before sending, naming input.description', async () => {
    const c = credential(kc, 'billing-rotation-2025');
    const result = await update({ id: c.globalId, name: 'fine', description: 'd'.repeat(501) });
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      vendor: 'KEYCARD',
      account: KC,
      fields: [{ field: 'input.description', message: 'must be at most 500 characters' }],
    });
    expect(sentExceptToken(kc)).toEqual([]);
  });

  it.each([
    ['null', null],
    ['""', ''],
    ['"   "', '   '],
  ])('refuses %s as a description, alike (the contract cannot clear it), before sending', async (_, description) => {
    const c = credential(kc, 'billing-prod');
    const result = await update({ id: c.globalId, description });
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      message: 'Keycard cannot clear a credential description; set a new one instead',
      fields: [{ field: 'input.description', message: 'cannot be null or blank for Keycard' }],
      vendor: 'KEYCARD',
      account: KC,
    });
    expect(sentExceptToken(kc)).toEqual([]);
    expect(credential(kc, 'billing-prod').description).toBe(c.description);
  });

  it('trims the name and the description alike before sending them', async () => {
    const c = credential(kc, 'snowflake-sync');
    try {
      const result = await update({ id: c.globalId, name: '  snowflake-sync-2  ', description: '\tNightly export to Snowflake \n' });
      expect(result).toMatchObject({ __typename: 'UpdateCredentialSuccess', credential: { name: 'snowflake-sync-2', description: 'Nightly export to Snowflake' } });
      expect(patches(kc).map((r) => r.body)).toEqual([{ name: 'snowflake-sync-2', description: 'Nightly export to Snowflake' }]);
    } finally {
      Object.assign(kc.state.credentials.get(c.saId)!.find((x) => x.id === c.id)!, { name: c.name, description: c.description });
    }
  });

  it.each([
    ['expiresAt', { expiresAt: new Date(Date.now() + 86_400_000).toISOString() }],
    ['expiresAt', { expiresAt: null }],
    ['value', { value: 'hunter2-keycard-secret' }],
  ])('refuses %s with UnsupportedChangeError and sends nothing', async (field, change) => {
    const c = credential(kc, 'billing-prod');
    const result = await update({ id: c.globalId, name: 'renamed', ...change });
    expect(result).toMatchObject({ __typename: 'UnsupportedChangeError', vendor: 'KEYCARD', unsupportedFields: [field], supportedFields: ['name', 'description'] });
    expect(sentExceptToken(kc)).toEqual([]);
    expect(JSON.stringify(result)).not.toContain('hunter2-keycard-secret');
  });

  it('refuses a service account id where a credential id is expected, sending nothing', async () => {
    const result = await update({ id: serviceAccount(kc, 'billing-worker').globalId, name: 'x' });
    expect(result).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'input.id' }] });
    expect(kc.requests).toEqual([]);
  });

  it('maps a vendor 404 to NotFoundError with the vendor message', async () => {
    const sa = serviceAccount(kc, 'billing-worker');
    const result = await update({ id: credGid(KC, sa.id, 'nosuchcredential0000000000'), name: 'x' });
    expect(result).toMatchObject({ __typename: 'NotFoundError', vendor: 'KEYCARD', account: KC, message: expect.stringContaining('Credential not found (not_found)') });
  });

  it('maps a vendor 400 in Keycard format to ValidationError with the vendor message', async () => {
    const c = credential(kc, 'billing-prod');
    kc.inject({ method: 'PATCH', status: 400, json: { message: 'name contains invalid characters', code: 'invalid_request', status: 400 } });
    const result = await update({ id: c.globalId, name: 'x' });
    expect(result).toMatchObject({ __typename: 'ValidationError', vendor: 'KEYCARD', account: KC, message: expect.stringContaining('name contains invalid characters (invalid_request)') });
  });

  it('refreshes the token once after a 401 and then succeeds', async () => {
    const c = credential(kc, 'billing-prod');
    await h.exec(KeycardNodeDocument, { id: c.globalId }); // a token is cached now
    h.reset();
    kc.revokeTokens();
    const result = await update({ id: c.globalId, description: c.description });
    expect(result.__typename).toBe('UpdateCredentialSuccess');
    expect(kc.requests.slice(0, 3).map((r) => `${r.method} ${r.route}`)).toEqual([
      'PATCH /organizations/:organization_id/service-accounts/:service_account_id/credentials/:credential_id',
      'POST /service-account-token',
      'PATCH /organizations/:organization_id/service-accounts/:service_account_id/credentials/:credential_id',
    ]);
    expect(kc.requests[0]!.headers.authorization).not.toBe(kc.requests[2]!.headers.authorization);
  });

  it('reports refused client credentials as a non-retryable UpstreamError after one token call', async () => {
    const c = credential(kc, 'billing-prod');
    kc.revokeTokens();
    kc.inject({ route: '/service-account-token', status: 401, json: { message: 'Invalid client credentials', code: 'unauthorized', status: 401 } });
    const result = await update({ id: c.globalId, name: 'x' });
    expect(result).toMatchObject({ __typename: 'UpstreamError', vendor: 'KEYCARD', account: KC, status: 401, retryable: false, message: expect.stringContaining('Invalid client credentials') });
    expect(kc.requests.map((r) => r.method)).toEqual(['PATCH', 'POST']);
  });

  it('reports a missing token endpoint as an UpstreamError, never as a missing resource', async () => {
    const c = credential(kc, 'billing-prod');
    kc.revokeTokens();
    kc.inject({ route: '/service-account-token', status: 404 });
    const res = await h.exec(KeycardNodeDocument, { id: c.globalId });
    expect(res.data?.node).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', vendor: 'KEYCARD', account: KC, status: 404 });
    expect(res.errors![0]!.message).toContain('check baseUrl');
  });

  it.each([
    // Waits past the request deadline, so the gateway reports instead of retrying.
    ['retry-after-ms', { 'retry-after-ms': '299500', 'retry-after': '900' }, 300],
    ['retry-after', { 'retry-after': '300' }, 300],
  ])('reports 429 as RateLimitedError with retryAfter from %s', async (_label, headers, seconds) => {
    const c = credential(kc, 'billing-prod');
    kc.inject({ method: 'PATCH', status: 429, headers, json: { message: 'Rate limit exceeded', code: 'rate_limited', status: 429 } });
    const result = await update({ id: c.globalId, name: 'x' });
    expect(result).toMatchObject({ __typename: 'RateLimitedError', vendor: 'KEYCARD', account: KC, retryAfter: seconds, limitedBy: 'VENDOR', retryable: true });
    expect(patches(kc)).toHaveLength(1);
  });

  it('reports a 5xx that outlasts the retries as a retryable UpstreamError (PATCH sets absolute values, so the outcome is not in doubt)', async () => {
    const c = credential(kc, 'billing-prod');
    kc.inject({ method: 'PATCH', status: 503, times: 3 });
    const result = await update({ id: c.globalId, name: 'x' });
    expect(result).toMatchObject({ __typename: 'UpstreamError', vendor: 'KEYCARD', account: KC, status: 503, retryable: true, outcomeUnknown: false });
    expect(patches(kc)).toHaveLength(3);
  });

  it('reports malformed vendor JSON as an UpstreamError, not a crash', async () => {
    const c = credential(kc, 'billing-prod');
    kc.inject({ method: 'PATCH', malformed: true, status: 200 });
    const result = await update({ id: c.globalId, name: 'billing-prod' });
    expect(result).toMatchObject({ __typename: 'UpstreamError', status: 200, message: expect.stringContaining('malformed JSON') });
  });
});

describe('ids with path characters', () => {
  const PATCH_ROUTE = '/organizations/:organization_id/service-accounts/:service_account_id/credentials/:credential_id';
  const sa = () => serviceAccount(kc, 'billing-worker');

  it.each(['a/b', '../../service-accounts', '%2F..%2F', 'crédential😀', '...', 'x?y=1#z', ' ', 'c'.repeat(255)])(
    'sends the credential id %j encoded as one segment of the intended route only',
    async (evil) => {
      const result = await update({ id: credGid(KC, sa().id, evil), name: 'x' });
      expect(result).toMatchObject({ __typename: 'NotFoundError' });
      const sent = sentExceptToken(kc);
      // The PATCH, then (after its 404) the organization's smallest page, confirming it exists.
      expect(sent).toHaveLength(2);
      expect(sent[1]).toMatchObject({ method: 'GET', route: '/organizations/:organization_id/service-accounts', query: { limit: ['1'] } });
      expect(sent[0]).toMatchObject({ method: 'PATCH', route: PATCH_ROUTE, params: { service_account_id: sa().id, credential_id: evil } });
      expect(sent[0]!.path).toBe(`${org(kc)}/service-accounts/${sa().id}/credentials/${encodeSegment(evil)}`);
      expect(sent[0]!.path.split('/')).toHaveLength(7);
    },
  );

  it.each(['a/b', '..%2F..%2F', '😀/..'])('sends the service account id %j encoded in node and owner lookups', async (evil) => {
    const res = await h.exec(KeycardNodeDocument, { id: saGid(KC, evil) });
    expect(res.data?.node).toBeNull();
    // No such service account: no credentials, as node of it is null (no error, no failed account).
    const list = await h.exec(KeycardListCredentialsDocument, { filter: { owner: saGid(KC, evil) } });
    expect(list.errors).toBeUndefined();
    expect(list.data!.credentials).toMatchObject({ totalCount: 0, edges: [] });
    // Each request's 404 is taken as "gone" only once the organization answers (one call each).
    const sent = sentExceptToken(kc);
    expect(sent.map((r) => [r.route, r.params.service_account_id])).toEqual([
      ['/organizations/:organization_id/service-accounts/:service_account_id', evil],
      ['/organizations/:organization_id/service-accounts', undefined],
      ['/organizations/:organization_id/service-accounts/:service_account_id/credentials', evil],
      ['/organizations/:organization_id/service-accounts', undefined],
    ]);
  });

  it('lists, reads and updates a credential whose two ids are as long as Keycard allows (255 characters of 4 UTF-8 bytes each) by the id it issued', async () => {
    const saId = '😀'.repeat(255);
    const credId = '🔑'.repeat(255);
    const now = new Date().toISOString();
    kc.state.serviceAccounts.push({ id: saId, name: 'long-ids', created_at: now, updated_at: now });
    kc.state.credentials.set(saId, [{ id: credId, client_id: 'long-ids-client', name: 'long-ids-cred', created_at: now }]);
    try {
      const listed = (await listAll({ accounts: [KC] })).edges.find((e) => e.node.name === 'long-ids-cred');
      expect(listed).toBeDefined();
      const id = listed!.node.id;
      expect(id).toBe(credGid(KC, saId, credId));
      const node = await h.exec(KeycardNodeDocument, { id });
      expect(node.errors).toBeUndefined();
      expect(node.data!.node).toMatchObject({ id, name: 'long-ids-cred' });
      kc.clearRequests();
      expect(await update({ id, name: 'long-ids-renamed' })).toMatchObject({ __typename: 'UpdateCredentialSuccess', credential: { id, name: 'long-ids-renamed' } });
      expect(patches(kc)).toHaveLength(1);
      expect(patches(kc)[0]!.params).toMatchObject({ service_account_id: saId, credential_id: credId });
    } finally {
      kc.state.serviceAccounts = kc.state.serviceAccounts.filter((s) => s.id !== saId);
      kc.state.credentials.delete(saId);
    }
  });

  it.each([
    ['..', 'a dot-dot segment'],
    ['.', 'a dot segment'],
    ['cred\u0000x', 'a NUL byte'],
    ['cred\u001bx', 'a control character'],
    ['cred\u007f', 'DEL'],
    ['\ud800', 'an unpaired surrogate'],
    ['c'.repeat(256), '256 characters'],
    ['c'.repeat(300), '300 characters'],
  ])('refuses the credential id %j (%s) unsent, naming input.id', async (evil) => {
    const result = await update({ id: credGid(KC, sa().id, evil), name: 'x' });
    expect(result).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'input.id' }] });
    const node = await h.exec(KeycardNodeDocument, { id: credGid(KC, evil, 'x') });
    expect(node.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(kc.requests).toEqual([]);
  });
});

describe('X-Client-Request-ID', () => {
  it('sends a fresh UUID on every call, the token call included, and logs it on that call’s line', async () => {
    kc.revokeTokens();
    kc.state.tokens.clear();
    const logStart = h.logs.length;
    await listAll({ accounts: [KC] });
    const requests: RecordedRequest[] = kc.requests;
    expect(requests.some((r) => r.route === '/service-account-token')).toBe(true);
    const ids = requests.map((r) => r.headers['x-client-request-id']);
    for (const id of ids) expect(id).toMatch(UUID);
    // The retry after the 401 is the same logical call and keeps its id; every other call has its own.
    const retried = requests.filter((r, i) => i > 0 && r.path === requests[0]!.path);
    expect(retried).toHaveLength(1);
    expect(new Set(ids).size).toBe(ids.length - 1);
    const logs = h.logs.slice(logStart).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of requests) {
      const line = logs.find((l) => l.msg === 'upstream call' && l.clientRequestId === r.headers['x-client-request-id']);
      expect(line, `log line for ${r.method} ${r.path}`).toMatchObject({ vendor: 'KEYCARD', account: KC, method: r.method });
    }
  });
});

describe('one account failing', () => {
  it.each([
    // Each fault outlasts the retries (or asks for a wait past the request deadline).
    ['a 503', { status: 503, times: 3 }, 'UPSTREAM_ERROR'],
    ['a 429', { status: 429, headers: { 'retry-after-ms': '300000' } }, 'RATE_LIMITED'],
    ['malformed JSON', { malformed: true }, 'UPSTREAM_ERROR'],
    ['a connection reset', { reset: true, times: 3 }, 'UPSTREAM_ERROR'],
    ['a 401 in Keycard format', { status: 401, times: 2, json: { message: 'Invalid token', code: 'unauthorized', status: 401 } }, 'UPSTREAM_ERROR'],
  ])('keeps the other organization and vendors and adds one error naming the failed account (%s)', async (_label, fault, code) => {
    eu.inject({ route: '/organizations/:organization_id/service-accounts', ...fault });
    const res = await h.exec(KeycardListCredentialsDocument, { first: 500 });
    const accounts = new Set(res.data!.credentials.edges.map((e) => e.node.account));
    expect(accounts.has(KC)).toBe(true);
    expect(accounts.has(EU)).toBe(false);
    expect([...accounts].some((a) => a.startsWith('auth0'))).toBe(true);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['credentials'], extensions: { code, vendor: 'KEYCARD', account: EU } });
    if (code === 'RATE_LIMITED') expect(res.errors![0]!.extensions!.retryAfter).toBe(300);
  });

  it("reports the simulator's own rate limit (retry-after-ms) as RATE_LIMITED with retryAfter once the retries are spent", async () => {
    eu.state.rateLimit = { perSecond: 0 };
    try {
      const res = await h.exec(KeycardListCredentialsDocument, { filter: { accounts: [EU] }, first: 500 });
      expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', vendor: 'KEYCARD', account: EU } });
      expect(res.errors?.[0]?.extensions?.retryAfter).toBeLessThanOrEqual(1);
    } finally {
      eu.state.rateLimit = null;
    }
  });
});

describe('an organization that does not exist (a wrong organizationId, or a deleted organization)', () => {
  /**
   * Runs `run` while Keycard no longer knows the organization the gateway is configured with, so
   * every call under it answers 404 "Organization not found" (the same `not_found` code as a
   * missing service account or credential). `configured` is its path prefix, as the gateway sends it.
   */
  async function withoutOrganization(sim: KeycardSimulator, run: (configured: string) => Promise<void>) {
    const configured = org(sim);
    const before = sim.state.organization;
    sim.state.organization = { id: 'someOtherOrganization0000', label: 'some-other' };
    try {
      await run(configured);
    } finally {
      sim.state.organization = before;
    }
  }
  const failed = { code: 'NOT_FOUND', vendor: 'KEYCARD', account: KC };
  const ORGANIZATION_NOT_FOUND = `organization not found in KEYCARD account "${KC}": Organization not found (not_found)`;

  it('fails the account on an owner filter with the failure the unfiltered list reports (NOT_FOUND naming KEYCARD and the account), after one confirming call', async () => {
    const billing = serviceAccount(kc, 'billing-worker');
    await withoutOrganization(kc, async (configured) => {
      const unfiltered = await h.exec(ListCredentialsDocument, { filter: { accounts: [KC] }, first: 5 });
      h.reset();
      const res = await h.exec(ListCredentialsDocument, { filter: { owner: billing.globalId }, first: 5 });
      expect(res.data!.credentials).toMatchObject({ totalCount: 0, edges: [] });
      expect(res.data!.credentials.failedAccounts).toEqual([{ ...failed, message: ORGANIZATION_NOT_FOUND, retryAfter: null, retryable: false, limitedBy: null, partial: false }]);
      expect(res.data!.credentials.failedAccounts).toEqual(unfiltered.data!.credentials.failedAccounts);
      expect(res.errors).toEqual([expect.objectContaining({ path: ['credentials'], message: ORGANIZATION_NOT_FOUND, extensions: expect.objectContaining(failed) })]);
      expect(unfiltered.errors).toEqual([expect.objectContaining({ path: ['credentials'], message: ORGANIZATION_NOT_FOUND, extensions: expect.objectContaining(failed) })]);
      // The owner's list 404s; one smallest page of the organization's list says whose 404 it is.
      expect(calls(kc)).toEqual([`GET ${configured}/service-accounts/${billing.id}/credentials?limit=100`, `GET ${configured}/service-accounts?limit=1`]);
      expect(calls(eu)).toEqual([]);
    });
  });

  it.each([
    ['credential', () => credential(kc, 'billing-prod').globalId],
    ['service account', () => serviceAccount(kc, 'billing-worker').globalId],
  ])('answers node(id) of a Keycard %s with a NOT_FOUND error naming KEYCARD and the account, not with null', async (_what, id) => {
    const globalId = id();
    await withoutOrganization(kc, async (configured) => {
      const res = await h.exec(KeycardNodeDocument, { id: globalId });
      expect(res.data?.node).toBeNull();
      expect(res.errors).toEqual([expect.objectContaining({ path: ['node'], message: ORGANIZATION_NOT_FOUND, extensions: expect.objectContaining(failed) })]);
      expect(calls(kc)).toHaveLength(2);
      expect(calls(kc)[1]).toBe(`GET ${configured}/service-accounts?limit=1`);
    });
  });

  it('fails every id of nodes(ids) in it, each with the error, after one confirming call for them all', async () => {
    const ids = [credential(kc, 'billing-prod').globalId, credential(kc, 'billing-rotation-2025').globalId, serviceAccount(kc, 'audit-reader').globalId];
    await withoutOrganization(kc, async (configured) => {
      const res = await h.exec(NodesDocument, { ids });
      expect(res.data?.nodes).toEqual([null, null, null]);
      expect(res.errors).toHaveLength(3);
      for (const [i, e] of res.errors!.entries()) expect(e).toMatchObject({ path: ['nodes', i], message: ORGANIZATION_NOT_FOUND, extensions: failed });
      expect(calls(kc).filter((c) => c === `GET ${configured}/service-accounts?limit=1`)).toHaveLength(1);
      expect(calls(kc)).toHaveLength(ids.length + 1);
    });
  });
});

describe('a service account or credential that does not exist, in an organization that does', () => {
  const CONFIRM = () => `GET ${org(kc)}/service-accounts?limit=1`;
  const GONE_SA = 'deletedServiceAccount0000';

  it('lists no credentials for a deleted service account, once one smallest page of the organization answers: no error, no failed account', async () => {
    const res = await h.exec(ListCredentialsDocument, { filter: { owner: saGid(KC, GONE_SA) }, first: 5 });
    expect(res.errors).toBeUndefined();
    expect(res.data!.credentials).toMatchObject({ totalCount: 0, edges: [], failedAccounts: [] });
    expect(calls(kc)).toEqual([`GET ${org(kc)}/service-accounts/${GONE_SA}/credentials?limit=100`, CONFIRM()]);
  });

  it('answers node(id) of a deleted credential with null, after one confirming call', async () => {
    const billing = serviceAccount(kc, 'billing-worker');
    const res = await h.exec(KeycardNodeDocument, { id: credGid(KC, billing.id, 'deletedCredential000000000') });
    expect(res.errors).toBeUndefined();
    expect(res.data?.node).toBeNull();
    expect(calls(kc)).toEqual([`GET ${org(kc)}/service-accounts/${billing.id}/credentials/deletedCredential000000000`, CONFIRM()]);
  });

  it('confirms the organization once per request, however many ids are missing', async () => {
    const billing = serviceAccount(kc, 'billing-worker');
    const ids = Array.from({ length: 20 }, (_, i) =>
      i % 2 ? saGid(KC, `deletedServiceAccount${String(i).padStart(4, '0')}`) : credGid(KC, billing.id, `deletedCredential${String(i).padStart(9, '0')}`),
    );
    const res = await h.exec(NodesDocument, { ids });
    expect(res.errors).toBeUndefined();
    expect(res.data?.nodes).toEqual(ids.map(() => null));
    expect(calls(kc).filter((c) => c === CONFIRM())).toHaveLength(1);
    expect(calls(kc)).toHaveLength(ids.length + 1);
  });

  it('reports a confirming call that fails (503) as the account failing: a 404 reads as "gone" only once confirmed', async () => {
    kc.inject({ route: '/organizations/:organization_id/service-accounts', status: 503, times: 3 });
    const res = await h.exec(ListCredentialsDocument, { filter: { owner: saGid(KC, GONE_SA) }, first: 5 });
    expect(res.data!.credentials.failedAccounts).toEqual([expect.objectContaining({ vendor: 'KEYCARD', account: KC, code: 'UPSTREAM_ERROR', partial: false })]);
    expect(res.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR', vendor: 'KEYCARD', account: KC, status: 503 }) })]);
  });

  it('needs no confirming call when the request lists the organization anyway: an owner gone between its listing and its credentials has none', async () => {
    const billing = serviceAccount(kc, 'billing-worker');
    kc.inject({ route: '/organizations/:organization_id/service-accounts/:service_account_id/credentials', params: { service_account_id: billing.id }, status: 404 });
    const res = await h.exec(ListCredentialsDocument, { filter: { accounts: [KC] }, first: 500 });
    expect(res.errors).toBeUndefined();
    expect(res.data!.credentials.failedAccounts).toEqual([]);
    const billingCount = kc.state.credentials.get(billing.id)!.length;
    expect(res.data!.credentials.totalCount).toBe(allCredentials(kc).length - billingCount);
    expect(calls(kc)).not.toContain(CONFIRM());
    expect(calls(kc).filter((c) => c.startsWith(`GET ${org(kc)}/service-accounts?`))).toEqual([`GET ${org(kc)}/service-accounts?limit=100`]);
  });

  it('asks nothing more when every read finds what it asks for', async () => {
    const billing = serviceAccount(kc, 'billing-worker');
    const c = credential(kc, 'billing-prod');
    expect((await h.exec(ListCredentialsDocument, { filter: { owner: billing.globalId }, first: 5 })).errors).toBeUndefined();
    expect((await h.exec(KeycardNodeDocument, { id: c.globalId })).errors).toBeUndefined();
    expect((await h.exec(NodesDocument, { ids: [c.globalId, billing.globalId] })).errors).toBeUndefined();
    expect(kc.apiRequests().filter((r) => r.route === '/organizations/:organization_id/service-accounts')).toEqual([]);
  });
});

describe('secret hygiene', () => {
  it('never logs or returns a config secret, a Basic header, an upstream token or a refresh token', async () => {
    // Make sure this run fetched tokens (refresh tokens included) and saw failures.
    kc.revokeTokens();
    await h.exec(KeycardListCredentialsWithPermissionsDocument, { first: 500 });
    eu.revokeTokens();
    eu.inject({ route: '/service-account-token', status: 401 });
    await h.exec(KeycardListCredentialsDocument, { first: 500 });

    const secrets = new Set<string>();
    for (const sim of [kc, eu]) {
      for (const s of sim.state.secrets.values()) secrets.add(s);
      for (const t of sim.state.refreshTokens) secrets.add(t);
      for (const r of sim.requests) {
        const auth = r.headers.authorization;
        if (auth) secrets.add(auth.replace(/^(Bearer|Basic) /, ''));
      }
    }
    for (const a of [KC, EU]) secrets.add(configOf(a).clientSecret);
    expect(kc.state.refreshTokens.length).toBeGreaterThan(0);
    expect(secrets.size).toBeGreaterThan(10);
    const logs = h.logs.join('\n');
    const responses = h.responses.join('\n');
    for (const s of secrets) {
      expect(logs.includes(s), `log contains a secret (${s.slice(0, 4)}…)`).toBe(false);
      expect(responses.includes(s), `response contains a secret (${s.slice(0, 4)}…)`).toBe(false);
    }
  });
});
