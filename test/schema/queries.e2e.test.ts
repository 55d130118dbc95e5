import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Vendor } from '../../src/domain/vendor.js';
import type { SimulatorHandle } from '../../src/sim/server.js';
import type { Auth0Simulator } from '../../src/vendors/auth0/simulator.js';
import type { ConductorOneSimulator } from '../../src/vendors/conductorone/simulator.js';
import type { KeycardSimulator } from '../../src/vendors/keycard/simulator.js';
import { vendorModules } from '../../src/vendors/registry.js';
import type { VaultSimulator } from '../../src/vendors/vault/simulator.js';
import { ConductorOneNodeDocument, ListCredentialsDocument, NodeDocument, NodesDocument } from '../gql/graphql.js';
import { calls, nothingUpstream, startHarness, type Harness } from '../fixtures/harness.js';
import { gid } from '../fixtures/ids.js';

/** The cross-vendor reads: every configured account of every vendor, in one query. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const VENDORS: Vendor[] = vendorModules.map((m) => m.vendor);
const accountsOf = (vendor: Vendor) => h.accounts.filter((a) => a.vendor === vendor.toLowerCase()).map((a) => a.name);

async function everything() {
  const res = await h.exec(ListCredentialsDocument, { first: 500 });
  return res;
}

describe('credentials across every vendor', () => {
  it('lists credentials of every vendor and every account in one query, soonest expiry first', async () => {
    const res = await everything();
    expect(res.errors).toBeUndefined();
    expect(res.data!.credentials.failedAccounts).toEqual([]);
    const edges = res.data!.credentials.edges;
    expect(new Set(edges.map((e) => e.node.vendor))).toEqual(new Set(VENDORS));
    expect(new Set(edges.map((e) => e.node.account))).toEqual(new Set(h.accounts.map((a) => a.name)));
    const expiries = edges.map((e) => e.node.expiresAt).filter((x): x is string => x !== null);
    expect(expiries).toEqual([...expiries].sort((a, b) => Date.parse(a) - Date.parse(b)));
    // Never-expiring credentials come last.
    const firstNever = edges.findIndex((e) => e.node.expiresAt === null);
    expect(edges.slice(firstNever).every((e) => e.node.expiresAt === null)).toBe(true);
  });

  it('applies the same status and expiry filters to every vendor', async () => {
    const cutoff = new Date(Date.now() + 30 * 86_400_000);
    const res = await h.exec(ListCredentialsDocument, { first: 500, filter: { expiresBefore: cutoff.toISOString() } });
    const edges = res.data!.credentials.edges;
    expect(edges.every((e) => e.node.expiresAt !== null && new Date(e.node.expiresAt) < cutoff)).toBe(true);
    expect(edges.every((e) => e.node.status === 'EXPIRED' || e.node.status === 'EXPIRING')).toBe(true);
    // Every vendor with expiries has some that are due: the seeds hold past and near ones.
    const withExpiries = new Set((await everything()).data!.credentials.edges.filter((e) => e.node.expiresAt !== null).map((e) => e.node.vendor));
    expect(withExpiries.size).toBeGreaterThan(1);
    expect(new Set(edges.map((e) => e.node.vendor))).toEqual(withExpiries);
    const statuses = await h.exec(ListCredentialsDocument, { first: 500, filter: { statuses: ['EXPIRING', 'EXPIRED'] } });
    expect(statuses.data!.credentials.edges.map((e) => e.node.id).sort()).toEqual(edges.map((e) => e.node.id).sort());
  });

  it.each(VENDORS)('keeps the other vendors when every account of %s fails, with one error per failed account', async (failing) => {
    for (const name of accountsOf(failing)) h.sim(name).inject({ status: 500, times: 1_000 });
    const res = await everything();
    const vendors = new Set(res.data!.credentials.edges.map((e) => e.node.vendor));
    expect(vendors).toEqual(new Set(VENDORS.filter((v) => v !== failing)));
    expect(res.errors).toHaveLength(accountsOf(failing).length);
    for (const [i, name] of accountsOf(failing).entries()) {
      expect(res.errors!.find((e) => e.extensions?.account === name), `error for ${name} (#${i})`).toMatchObject({
        path: ['credentials'],
        // Located at the field, as every other field error is (and as the spec asks where it can be).
        locations: [{ line: expect.any(Number), column: expect.any(Number) }],
        extensions: { code: 'UPSTREAM_ERROR', vendor: failing, account: name, status: 500 },
      });
    }
    // The message names the vendor and account, and nothing the vendor said about itself.
    expect(res.errors![0]!.message).toMatch(new RegExp(`${failing} account "`));
    // The same failures as data, beside the list they are missing from.
    expect(res.data!.credentials.failedAccounts).toEqual(
      accountsOf(failing).map((account) => {
        const error = res.errors!.find((e) => e.extensions?.account === account)!;
        return { vendor: failing, account, code: 'UPSTREAM_ERROR', message: error.message, retryAfter: null, retryable: true, limitedBy: null, partial: false };
      }),
    );
  });
});

describe('failed accounts', () => {
  it('are told in config order, not in the order their failures came', async () => {
    const [first, second, third] = h.accounts.map((a) => a.name);
    // The first to fail is the last in config order; the first in config order fails last.
    h.sim(first!).inject({ status: 500, times: 1_000, delayMs: 400 });
    h.sim(second!).inject({ status: 500, times: 1_000, delayMs: 200 });
    h.sim(third!).inject({ status: 500, times: 1_000 });
    const res = await everything();
    expect(res.data!.credentials.failedAccounts.map((f) => f.account)).toEqual([first, second, third]);
    expect(res.errors!.map((e) => e.extensions?.account)).toEqual([first, second, third]);
  });

  it('are each logged once as a warning naming the vendor, the account and the error; a partial one with how many of its owners failed', async () => {
    const [failing, partial] = ['vault-sandbox', 'auth0-prod'];
    h.sim(failing).inject({ status: 500, times: 1_000 });
    const sim = h.sim(partial) as Auth0Simulator;
    const okta = sim.state.connections.find((c) => c.name === 'okta-workforce')!;
    sim.inject({ route: '/api/v2/connections/:id/keys', params: { id: okta.id }, status: 400 });
    const logsBefore = h.logs.length;
    const res = await everything();
    expect(res.data!.credentials.failedAccounts.map((f) => [f.account, f.partial])).toEqual([
      [partial, true],
      [failing, false],
    ]);
    const warnings = h.logs
      .slice(logsBefore)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'account failed while listing credentials');
    expect(warnings).toHaveLength(2);
    expect(warnings.find((w) => w.account === failing)).toMatchObject({ level: 40, vendor: 'VAULT', account: failing, err: expect.objectContaining({ message: expect.stringContaining('HTTP 500') }) });
    expect(warnings.find((w) => w.account === failing)).not.toHaveProperty('partial');
    expect(warnings.find((w) => w.account === partial)).toMatchObject({
      level: 40,
      vendor: 'AUTH0',
      account: partial,
      partial: true,
      failedOwners: 1,
      owners: expect.any(Number),
      err: expect.objectContaining({ message: expect.stringContaining('HTTP 400') }),
    });
    for (const secret of h.secrets) expect(JSON.stringify(warnings)).not.toContain(secret);
  });
});

describe('a kinds filter', () => {
  it('asks only the accounts of vendors whose credentials can be of those kinds: a failing one that could add nothing is no failed account', async () => {
    for (const a of h.accounts.filter((a) => a.vendor !== 'vault')) h.sim(a.name).inject({ status: 500, times: 1_000 });
    const res = await h.exec(ListCredentialsDocument, { first: 500, filter: { kinds: ['PASSWORD', 'SSH_KEY'] } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.credentials.failedAccounts).toEqual([]);
    const kinds = res.data!.credentials.edges.map((e) => e.node.kind);
    expect(new Set(kinds)).toEqual(new Set(['PASSWORD', 'SSH_KEY']));
    nothingUpstream(h, h.accounts.filter((a) => a.vendor !== 'vault').map((a) => a.name));
  });

  it('answers no credentials, asking nothing, when the named vendors have none of those kinds', async () => {
    const res = await h.exec(ListCredentialsDocument, { first: 500, filter: { vendors: ['KEYCARD'], kinds: ['SIGNING_KEY'] } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.credentials).toMatchObject({ totalCount: 0, edges: [], failedAccounts: [] });
    nothingUpstream(h);
  });

  it("lists only kinds its vendor declares: every credential of every account has a kind of its vendor's module", async () => {
    const edges = (await everything()).data!.credentials.edges;
    expect(edges.length).toBeGreaterThan(0);
    for (const { node } of edges) expect(vendorModules.find((m) => m.vendor === node.vendor)!.kinds, `${node.vendor} ${node.kind}`).toContain(node.kind);
  });
});

describe('an expiry the vendor sent that the gateway cannot read', () => {
  /** No contract allows it; distinctive, so the specs can tell it never reaches a log line or a response. */
  const UNREADABLE = 'next Tuesday, 7f3a9c';

  /** A credential with a readable expiry in the vendor's sandbox, and how to spoil one of its fields. */
  interface Spoiled {
    globalId: string;
    /** The warning's `field` and `item`. */
    field: string;
    item: string;
    /** When the credential is listed per owner: how many credentials its owner's list holds (all lost with it). */
    ownerList?: number;
    restore(): void;
  }
  /**
   * Spoils the first owner's first credential with an expiry, in a simulator that keeps credentials
   * per owner (Auth0, ConductorOne): its expiry under `expiryKey`, or its id.
   */
  function spoilPerOwner<C extends { id: string }>(
    credentials: Map<string, C[]>,
    expiryKey: keyof C & string,
    typename: string,
    account: string,
    field: 'expiry' | 'id',
    value: string,
  ): Spoiled {
    const [ownerId, creds] = [...credentials].find(([, list]) => list[0]?.[expiryKey])!;
    const c = creds[0]!;
    const saved = { ...c };
    const spoiled: Spoiled = { globalId: gid(typename, account, ownerId, c.id), field: expiryKey, item: `${ownerId}/${c.id}`, ownerList: creds.length, restore: () => Object.assign(c, saved) };
    if (field === 'expiry') (c as Record<string, unknown>)[expiryKey] = value;
    else c.id = value;
    return spoiled;
  }
  interface Case {
    vendor: Vendor;
    account: string;
    /** Sets the vendor-side field `field` ('expiry' or 'id') of a credential to `value`. */
    spoil(sim: SimulatorHandle, field: 'expiry' | 'id', value: string): Spoiled;
    /** Where the vendor's list answer holds that credential's id (the path a shape error names). */
    idPath: string;
  }
  const CASES: Case[] = [
    {
      vendor: 'AUTH0',
      account: 'auth0-prod',
      idPath: '0.id',
      spoil(sim, field, value) {
        return spoilPerOwner((sim as Auth0Simulator).state.credentials, 'expires_at', 'Auth0ClientCredential', this.account, field, value);
      },
    },
    {
      vendor: 'CONDUCTORONE',
      account: 'conductorone-sandbox',
      idPath: 'list.0.id',
      spoil(sim, field, value) {
        return spoilPerOwner((sim as ConductorOneSimulator).state.credentials, 'expiresAt', 'ConductorOneCredential', this.account, field, value);
      },
    },
    {
      vendor: 'VAULT',
      account: 'vault-sandbox',
      idPath: 'credentials.0.uuid',
      spoil(sim, field, value) {
        const list = (sim as VaultSimulator).state.credentials;
        const at = list.findIndex((x) => x.expiresAt);
        const c = list[at]!;
        const saved = { ...c };
        const spoiled: Spoiled = { globalId: gid('VaultCredential', this.account, c.uuid), field: 'expiresAt', item: c.uuid, restore: () => Object.assign(c, saved) };
        if (field === 'expiry') {
          c.expiresAt = value;
          // The vault's own health verdict would outrank UNKNOWN (see credentialStatus): it gives none.
          c.healthStatus = 'CREDENTIAL_HEALTH_STATUS_UNSPECIFIED';
        } else {
          // First in the list, so the shape error's path is the same on every run.
          list.splice(at, 1);
          list.unshift(c);
          c.uuid = value;
          spoiled.restore = () => {
            list.shift();
            list.splice(at, 0, Object.assign(c, saved));
          };
        }
        return spoiled;
      },
    },
  ];
  const list = (account: string, filter: Record<string, unknown> = {}) => h.exec(ListCredentialsDocument, { filter: { accounts: [account], ...filter }, first: 500 });

  it.each(CASES)('shows that one $vendor credential as UNKNOWN with expiresAt null, and the rest of its account as before', async (c) => {
    const sim = h.sim(c.account);
    const before = await list(c.account);
    const callsBefore = calls(sim).sort();
    h.reset();
    const spoiled = c.spoil(sim, 'expiry', UNREADABLE);
    const logsBefore = h.logs.length;
    const responsesBefore = h.responses.length;
    try {
      const res = await list(c.account);
      expect(res.errors).toBeUndefined();
      const conn = res.data!.credentials;
      expect(conn.failedAccounts).toEqual([]);
      expect(conn.totalCount).toBe(before.data!.credentials.totalCount);
      // It sorts first (an unreadable expiry may be past); every other credential is listed as it was.
      const nodes = conn.edges.map((e) => e.node);
      expect(nodes[0]).toMatchObject({ id: spoiled.globalId, vendor: c.vendor, status: 'UNKNOWN', expiresAt: null });
      expect(nodes.slice(1)).toEqual(before.data!.credentials.edges.map((e) => e.node).filter((n) => n.id !== spoiled.globalId));
      // The same calls as the unspoiled list: nothing repeated, nothing more asked.
      expect(calls(sim).sort()).toEqual(callsBefore);

      // Filters: statuses finds it; expiresBefore, however late, never does.
      const unknown = await list(c.account, { statuses: ['UNKNOWN'] });
      expect(unknown.data!.credentials.edges.map((e) => e.node.id)).toEqual([spoiled.globalId]);
      const late = await list(c.account, { expiresBefore: '9999-12-31T00:00:00Z' });
      expect(late.errors).toBeUndefined();
      const dated = late.data!.credentials.edges.map((e) => e.node);
      expect(dated.length).toBeGreaterThan(0);
      expect(dated.map((n) => n.id)).not.toContain(spoiled.globalId);
      // Read alone, the same.
      const node = await h.exec(NodeDocument, { id: spoiled.globalId });
      expect(node.errors).toBeUndefined();
      expect(node.data!.node).toMatchObject({ id: spoiled.globalId, status: 'UNKNOWN', expiresAt: null });

      // Operators are told once, naming the field and the credential, never the value.
      const warnings = h.logs.slice(logsBefore).filter((l) => l.includes('cannot read')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(warnings).toEqual([expect.objectContaining({ level: 40, vendor: c.vendor, account: c.account, field: spoiled.field, item: spoiled.item, shownAs: 'UNKNOWN' })]);
      expect(h.logs.slice(logsBefore).filter((l) => l.includes(UNREADABLE))).toEqual([]);
      expect(h.responses.slice(responsesBefore).filter((r) => r.includes(UNREADABLE))).toEqual([]);
    } finally {
      spoiled.restore();
    }
  });

  it('matches UNKNOWN with expiresBefore never, even beside statuses: [UNKNOWN] (filters are ANDed), and the description says to ask separately', async () => {
    const c = CASES[0]!;
    const spoiled = c.spoil(h.sim(c.account), 'expiry', UNREADABLE);
    try {
      const both = await list(c.account, { expiresBefore: '9999-12-31T00:00:00Z', statuses: ['UNKNOWN'] });
      expect(both.errors).toBeUndefined();
      expect(both.data!.credentials).toMatchObject({ totalCount: 0, edges: [] });
      const alone = await list(c.account, { statuses: ['UNKNOWN'] });
      expect(alone.data!.credentials.edges.map((e) => e.node.id)).toEqual([spoiled.globalId]);
    } finally {
      spoiled.restore();
    }
    const described = await h.post(JSON.stringify({ query: '{ __type(name: "CredentialFilter") { description inputFields { name description } } }' }));
    const type = ((await described.json()) as { data: { __type: { description: string; inputFields: { name: string; description: string | null }[] } } }).data.__type;
    expect(type.description).toMatch(/All given conditions must hold/);
    const expiresBefore = type.inputFields.find((f) => f.name === 'expiresBefore')!.description!;
    expect(expiresBefore).toMatch(/UNKNOWN never matches/);
    expect(expiresBefore).toMatch(/separate/);
    expect(expiresBefore).not.toMatch(/add `statuses: \[UNKNOWN\]`/);
  });

  it.each(CASES)('still fails the $vendor list holding any other shape error, such as a credential without an id: one owner’s, or the whole account’s', async (c) => {
    const total = (await list(c.account)).data!.credentials.totalCount;
    const spoiled = c.spoil(h.sim(c.account), 'id', '');
    try {
      const res = await list(c.account);
      // Listed per owner, only that owner's credentials are lost and the account is partial; a single list loses them all.
      const partial = spoiled.ownerList !== undefined;
      expect(res.data!.credentials.totalCount).toBe(partial ? total - spoiled.ownerList! : 0);
      expect(res.data!.credentials.edges).toHaveLength(res.data!.credentials.totalCount);
      expect(res.data!.credentials.failedAccounts).toEqual([
        expect.objectContaining({ vendor: c.vendor, account: c.account, code: 'UPSTREAM_ERROR', partial, message: expect.stringContaining(`unexpected response shape (HTTP 200) at ${c.idPath}`) }),
      ]);
      expect(res.errors).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR', vendor: c.vendor, account: c.account, ...(partial ? { partial: true } : {}) }) }),
      ]);
    } finally {
      spoiled.restore();
    }
  });
});

describe('a display-only value the gateway cannot read', () => {
  /** No contract allows these; distinctive, so the specs can tell they never reach a log line or a response. */
  const ODD_DATE = '1971-02-03';
  const ODD_TEXT = 9_417_733;

  /** A credential of the vendor's sandbox with odd display values: what it should show, and what should be told. */
  interface Spoiled {
    globalId: string;
    shows: Record<string, unknown>;
    /** `field item shownAs` of each warning. */
    told: string[];
    restore(): void;
  }
  interface Case {
    vendor: Vendor;
    account: string;
    spoil(sim: SimulatorHandle): Spoiled;
  }
  /** Sets `changes` on a vendor-side object (state mutation: every later answer carries them), with a restore. */
  function mutate<T extends object>(target: T, changes: Record<string, unknown>): () => void {
    const saved = { ...target };
    Object.assign(target, changes);
    return () => {
      for (const key of Object.keys(changes)) delete (target as Record<string, unknown>)[key];
      Object.assign(target, saved);
    };
  }
  const CASES: Case[] = [
    {
      vendor: 'AUTH0',
      account: 'auth0-prod',
      spoil(sim) {
        const [clientId, creds] = [...(sim as Auth0Simulator).state.credentials].find(([, list]) => list.length > 0)!;
        const c = creds[0]!;
        const restore = mutate(c, { name: ODD_TEXT, kid: null, subject_dn: null, created_at: ODD_DATE });
        const item = `${clientId}/${c.id}`;
        return {
          globalId: gid('Auth0ClientCredential', this.account, clientId, c.id),
          shows: { name: null, kid: null, subjectDn: null, createdAt: null },
          told: [`name ${item} null`, `created_at ${item} null`],
          restore,
        };
      },
    },
    {
      vendor: 'CONDUCTORONE',
      account: 'conductorone-sandbox',
      spoil(sim) {
        const [spId, creds] = [...(sim as ConductorOneSimulator).state.credentials].find(([, list]) => list.length > 0)!;
        const c = creds[0]!;
        const restore = mutate(c, { displayName: ODD_TEXT, createdAt: '2025-01-01T00:00:00', lastUsedAt: 'yesterday' });
        const item = `${spId}/${c.id}`;
        return {
          globalId: gid('ConductorOneCredential', this.account, spId, c.id),
          shows: { name: null, createdAt: null, lastUsedAt: null },
          told: [`displayName ${item} null`, `createdAt ${item} null`, `lastUsedAt ${item} null`],
          restore,
        };
      },
    },
    {
      vendor: 'KEYCARD',
      account: 'keycard-sandbox',
      spoil(sim) {
        const [saId, creds] = [...(sim as KeycardSimulator).state.credentials].find(([, list]) => list.length > 0)!;
        const c = creds[0]!;
        const restore = mutate(c, { name: null, description: ODD_TEXT, created_at: ODD_DATE, last_used_at: 'yesterday' });
        const item = `${saId}/${c.id}`;
        return {
          globalId: gid('KeycardCredential', this.account, saId, c.id),
          shows: { name: null, description: null, createdAt: null, lastUsedAt: null },
          told: [`description ${item} null`, `created_at ${item} null`, `last_used_at ${item} null`],
          restore,
        };
      },
    },
    {
      vendor: 'VAULT',
      account: 'vault-sandbox',
      spoil(sim) {
        const c = (sim as VaultSimulator).state.credentials[0]!;
        const { name: _name, ...rest } = c;
        const restore = mutate(c, { description: ODD_TEXT, createdBy: ODD_TEXT });
        delete (c as Partial<typeof c>).name;
        return {
          globalId: gid('VaultCredential', this.account, c.uuid),
          // createdBy is not in the shared fragment: its warning says it was shown as null (unit spec: vault api.test.ts).
          shows: { name: null, description: null },
          told: [`description ${c.uuid} null`, `createdBy ${c.uuid} null`],
          restore: () => {
            restore();
            Object.assign(c, rest, { name: _name });
          },
        };
      },
    },
  ];
  const list = (account: string) => h.exec(ListCredentialsDocument, { filter: { accounts: [account] }, first: 500 });

  it.each(CASES)('shows that one $vendor credential with those fields null, the rest of its account listed as before', async (c) => {
    const sim = h.sim(c.account);
    const before = await list(c.account);
    expect(before.errors).toBeUndefined();
    const callsBefore = calls(sim).sort();
    h.reset();
    const spoiled = c.spoil(sim);
    const logsBefore = h.logs.length;
    const responsesBefore = h.responses.length;
    try {
      const res = await list(c.account);
      expect(res.errors).toBeUndefined();
      const conn = res.data!.credentials;
      expect(conn.failedAccounts).toEqual([]);
      expect(conn.totalCount).toBe(before.data!.credentials.totalCount);
      const nodes = conn.edges.map((e) => e.node);
      const node = nodes.find((n) => n.id === spoiled.globalId);
      expect(node).toMatchObject({ vendor: c.vendor, ...spoiled.shows });
      // Its status and place are as before: only display fields changed.
      const was = before.data!.credentials.edges.map((e) => e.node);
      expect(nodes.map((n) => n.id)).toEqual(was.map((n) => n.id));
      expect(node!.status).toBe(was.find((n) => n.id === spoiled.globalId)!.status);
      expect(nodes.filter((n) => n.id !== spoiled.globalId)).toEqual(was.filter((n) => n.id !== spoiled.globalId));
      // The simulator was asked the same as for the unspoiled list: nothing repeated, nothing more.
      expect(calls(sim).sort()).toEqual(callsBefore);
      // Read alone, the same.
      const alone = await h.exec(NodeDocument, { id: spoiled.globalId });
      expect(alone.errors).toBeUndefined();
      expect(alone.data!.node).toMatchObject(spoiled.shows);

      // Operators are told once per field and credential (a field merely absent or null is not news), never the value.
      const warnings = h.logs
        .slice(logsBefore)
        .filter((l) => l.includes('cannot read'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(warnings.map((w) => `${String(w.field)} ${String(w.item)} ${String(w.shownAs)}`)).toEqual(spoiled.told);
      expect(warnings.every((w) => w.vendor === c.vendor && w.account === c.account && w.level === 40)).toBe(true);
      for (const odd of [ODD_DATE, String(ODD_TEXT), 'yesterday']) {
        expect(h.logs.slice(logsBefore).filter((l) => l.includes(odd))).toEqual([]);
        expect(h.responses.slice(responsesBefore).filter((r) => r.includes(odd))).toEqual([]);
      }
    } finally {
      spoiled.restore();
    }
  });
});

describe('an item the vendor lists twice', () => {
  const ACCOUNT = 'conductorone-sandbox';
  const list = () => h.exec(ListCredentialsDocument, { filter: { accounts: [ACCOUNT] }, first: 500 });

  it.each([
    {
      what: 'a credential repeated in its principal\'s list (as across pages that shifted)',
      repeat(state: ConductorOneSimulator['state']) {
        const [spId, creds] = [...state.credentials].find(([, l]) => l.length > 1)!;
        creds.push(creds[0]!);
        return { spId, undo: () => void creds.pop() };
      },
    },
    {
      what: 'a service principal repeated in the principals list, and so all its credentials',
      repeat(state: ConductorOneSimulator['state']) {
        const principal = state.principals.find((p) => (state.credentials.get(p.id)?.length ?? 0) > 0)!;
        state.principals.push(principal);
        return { spId: principal.id, undo: () => void state.principals.pop() };
      },
    },
  ])('lists each credential once, first one kept, with totalCount counting it once: $what', async ({ repeat }) => {
    const sim = h.sim(ACCOUNT) as ConductorOneSimulator;
    const before = await list();
    const { spId, undo } = repeat(sim.state);
    h.reset();
    try {
      const res = await list();
      expect(res.errors).toBeUndefined();
      const conn = res.data!.credentials;
      expect(conn.failedAccounts).toEqual([]);
      const ids = conn.edges.map((e) => e.node.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(conn.totalCount).toBe(before.data!.credentials.totalCount);
      expect(conn.edges).toEqual(before.data!.credentials.edges);
      // The simulator was asked for that principal's credentials once (its answer held the repeat, or
      // the principal was listed twice): the gateway dropped the second copy, it asked nothing more.
      expect(calls(sim).filter((c) => c.startsWith(`GET /api/v1/service_principals/${spId}/credentials?`))).toHaveLength(1);
    } finally {
      undo();
    }
  });
});

describe('an item the vendor lists twice, in its owner', () => {
  it("lists a credential its principal's list repeats once among the principal's credentials", async () => {
    const sim = h.sim('conductorone-sandbox') as ConductorOneSimulator;
    const [spId, creds] = [...sim.state.credentials].find(([, l]) => l.length > 1)!;
    creds.push(creds[0]!);
    try {
      const res = await h.exec(ConductorOneNodeDocument, { id: gid('ConductorOneServicePrincipal', 'conductorone-sandbox', spId) });
      expect(res.errors).toBeUndefined();
      const ids = (res.data!.node as { credentials: { id: string }[] }).credentials.map((c) => c.id);
      expect(ids).toHaveLength(creds.length - 1);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      creds.pop();
    }
  });
});

describe("an owner's credentials", () => {
  it('come in the order of credentials, soonest expiry first and never-expiring last, whatever order the vendor lists them in', async () => {
    const sim = h.sim('conductorone-sandbox') as ConductorOneSimulator;
    const [spId, creds] = [...sim.state.credentials].find(([, l]) => l.length > 1)!;
    const saved = creds.map((c) => c.expiresAt);
    const day = 86_400_000;
    // The vendor lists them latest first, the never-expiring one first of all.
    creds.forEach((c, i) => (c.expiresAt = i === 0 ? null : new Date(Date.now() + (creds.length - i) * 10 * day).toISOString()));
    try {
      const res = await h.exec(ConductorOneNodeDocument, { id: gid('ConductorOneServicePrincipal', 'conductorone-sandbox', spId) });
      expect(res.errors).toBeUndefined();
      const listed = (res.data!.node as { credentials: { externalId: string }[] }).credentials.map((c) => c.externalId);
      expect(listed).toEqual([...creds.slice(1).reverse(), creds[0]!].map((c) => c.id));
    } finally {
      creds.forEach((c, i) => (c.expiresAt = saved[i]!));
    }
  });
});

describe('empty ids and cursors', () => {
  it.each(['', ' '])('refuses the owner id %j like any malformed id (BAD_USER_INPUT "Malformed id" on filter.owner), sending nothing', async (owner) => {
    const res = await h.exec(ListCredentialsDocument, { filter: { owner }, first: 5 });
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: 'Malformed id: not an id issued by this gateway',
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields: [{ field: 'filter.owner', message: 'malformed' }] }),
      }),
    ]);
    nothingUpstream(h);
  });

  it.each([
    ['Auth0Client', 'auth0-prod', ['bad/id']],
    ['Auth0Client', 'auth0-prod', ['a', 'b']],
    ['ConductorOneServicePrincipal', 'conductorone-sandbox', ['..']],
    ['KeycardServiceAccount', 'keycard-sandbox', ['..']],
  ])('refuses a %s id of account %s whose path %j its vendor never issues (BAD_USER_INPUT on filter.owner, no failed account), sending nothing', async (typename, account, path) => {
    const res = await h.exec(ListCredentialsDocument, { filter: { owner: gid(typename, account, ...path) }, first: 5 });
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^Malformed id: /),
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields: [{ field: 'filter.owner', message: expect.stringMatching(/^malformed/) }] }),
      }),
    ]);
    nothingUpstream(h);
  });

  it.each(['after', 'before'] as const)('refuses an empty %s cursor like any malformed cursor instead of starting again at the first page, sending nothing', async (arg) => {
    const res = await h.exec(ListCredentialsDocument, { first: 5, [arg]: '' });
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: `${arg} is not a cursor from this connection`,
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields: [{ field: arg, message: 'malformed cursor' }] }),
      }),
    ]);
    nothingUpstream(h);
  });
});

describe('an account with no owners', () => {
  it('lists no credentials of a Keycard organization without service accounts: no error, no failed account', async () => {
    const kc = h.sim('keycard-sandbox') as KeycardSimulator;
    const saved = kc.state.serviceAccounts.splice(0);
    try {
      const res = await h.exec(ListCredentialsDocument, { filter: { accounts: ['keycard-sandbox'] }, first: 10 });
      expect(res.errors).toBeUndefined();
      expect(res.data!.credentials).toMatchObject({ totalCount: 0, edges: [], failedAccounts: [] });
      expect(calls(kc)).toEqual([`GET /organizations/${kc.state.organization.id}/service-accounts?limit=100`]);
    } finally {
      kc.state.serviceAccounts.push(...saved);
    }
  });
});

describe('an owner that does not exist', () => {
  /**
   * Well-formed owner ids no simulator knows (deleted, say), and the calls listing its credentials
   * costs: one, and for Keycard a second asking whether the organization itself answers (its 404s
   * cannot tell a missing organization from a missing owner).
   */
  const OWNERS: { vendor: Vendor; typename: string; account: string; id: string; calls(sim: SimulatorHandle): string[] }[] = [
    { vendor: 'AUTH0', typename: 'Auth0Client', account: 'auth0-prod', id: 'DeletedClient0000000000000000000', calls: () => ['GET /api/v2/clients/DeletedClient0000000000000000000/credentials'] },
    { vendor: 'AUTH0', typename: 'Auth0Connection', account: 'auth0-prod', id: 'con_Deleted000000000', calls: () => ['GET /api/v2/connections/con_Deleted000000000/keys'] },
    {
      vendor: 'CONDUCTORONE',
      typename: 'ConductorOneServicePrincipal',
      account: 'conductorone-sandbox',
      id: '2DeletedPrincipal000000000',
      calls: () => ['GET /api/v1/service_principals/2DeletedPrincipal000000000/credentials?page_size=100'],
    },
    {
      vendor: 'KEYCARD',
      typename: 'KeycardServiceAccount',
      account: 'keycard-sandbox',
      id: 'deletedServiceAccount0000',
      calls: (sim) => {
        const org = `/organizations/${(sim as KeycardSimulator).state.organization.id}`;
        return [`GET ${org}/service-accounts/deletedServiceAccount0000/credentials?limit=100`, `GET ${org}/service-accounts?limit=1`];
      },
    },
  ];

  it.each(OWNERS)('lists no credentials for a $typename that does not exist: no error, no failed account, each call once and no other account asked', async (o) => {
    const sim = h.sim(o.account);
    const owner = gid(o.typename, o.account, o.id);
    const res = await h.exec(ListCredentialsDocument, { filter: { owner }, first: 5 });
    expect(res.errors).toBeUndefined();
    expect(res.data!.credentials).toMatchObject({ totalCount: 0, edges: [], failedAccounts: [] });
    // Each call made once (a 404 is not retried), and no other account asked at all.
    expect(calls(sim)).toEqual(o.calls(sim));
    nothingUpstream(h, h.accounts.filter((a) => a.name !== o.account).map((a) => a.name));
    // As node(id) of it: null, no error.
    const node = await h.exec(NodeDocument, { id: owner });
    expect(node.errors).toBeUndefined();
    expect(node.data!.node).toBeNull();
  });

  it('still reports an account that fails while listing an owner’s credentials', async () => {
    const o = OWNERS[0]!;
    h.sim(o.account).inject({ status: 503, times: 3 });
    const res = await h.exec(ListCredentialsDocument, { filter: { owner: gid(o.typename, o.account, o.id) }, first: 5 });
    expect(res.data!.credentials.failedAccounts).toEqual([expect.objectContaining({ vendor: o.vendor, account: o.account, code: 'UPSTREAM_ERROR' })]);
    expect(res.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR', account: o.account }) })]);
  });
});

describe('node and nodes across vendors', () => {
  it('resolves every credential and owner type of every vendor in one nodes query', async () => {
    const list = (await everything()).data!.credentials.edges.map((e) => e.node);
    const types = ['Auth0ClientCredential', 'Auth0ConnectionKey', 'ConductorOneCredential', 'KeycardCredential', 'VaultCredential'];
    const credentials = types.map((t) => list.find((c) => c.__typename === t)!);
    const owners = credentials.flatMap((c) => (c.owner ? [c.owner] : []));
    h.reset();
    const res = await h.exec(NodesDocument, { ids: [...credentials, ...owners].map((n) => n.id) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.nodes.map((n) => n?.__typename)).toEqual([
      ...types,
      'Auth0Client',
      'Auth0Connection',
      'ConductorOneServicePrincipal',
      'KeycardServiceAccount',
    ]);
    expect(res.data!.nodes.map((n) => n?.id)).toEqual([...credentials, ...owners].map((n) => n.id));
  });
});

describe('paging the credentials connection', () => {
  /** Every credential of every vendor in one page: the order every other page must follow. */
  const everyId = async () => (await h.exec(ListCredentialsDocument, { first: 500 })).data!.credentials.edges.map((e) => e.node.id);
  const page = async (args: { first?: number; after?: string | null; last?: number; before?: string | null }) => {
    const res = await h.exec(ListCredentialsDocument, args);
    expect(res.errors).toBeUndefined();
    const c = res.data!.credentials;
    return { ids: c.edges.map((e) => e.node.id), cursors: c.edges.map((e) => e.cursor), info: c.pageInfo, total: c.totalCount };
  };

  it('walks forward with first/after: exact pageInfo on every page, the last one included', async () => {
    const all = await everyId();
    const size = 5;
    const seen: string[] = [];
    let after: string | null = null;
    for (let n = 0; ; n++) {
      const p = await page({ first: size, after });
      expect(p.total).toBe(all.length);
      expect(p.ids).toEqual(all.slice(n * size, (n + 1) * size));
      expect(p.info).toEqual({
        hasNextPage: (n + 1) * size < all.length,
        hasPreviousPage: n > 0,
        startCursor: p.cursors[0],
        endCursor: p.cursors.at(-1),
      });
      seen.push(...p.ids);
      if (!p.info.hasNextPage) break;
      after = p.info.endCursor!;
    }
    expect(seen).toEqual(all);
  });

  it('walks backward with last/before: exact pageInfo on every page, the first one included', async () => {
    const all = await everyId();
    const size = 5;
    const seen: string[] = [];
    let before: string | null = null;
    for (let n = 0; ; n++) {
      const p = await page({ last: size, before });
      const end = all.length - n * size;
      expect(p.ids).toEqual(all.slice(Math.max(0, end - size), end));
      expect(p.info).toEqual({
        hasNextPage: n > 0,
        hasPreviousPage: end - size > 0,
        startCursor: p.cursors[0],
        endCursor: p.cursors.at(-1),
      });
      seen.unshift(...p.ids);
      if (!p.info.hasPreviousPage) break;
      before = p.info.startCursor!;
    }
    expect(seen).toEqual(all);
  });

  it('pages between two cursors, and answers an exact fit or an empty page without inventing more', async () => {
    const all = await everyId();
    const cursors = (await page({ first: 500 })).cursors;
    const between = await page({ first: 3, after: cursors[1], before: cursors[5] });
    expect(between.ids).toEqual(all.slice(2, 5));
    expect(between.info).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const exact = await page({ first: all.length });
    expect(exact.info).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const none = await page({ first: 0 });
    expect(none).toMatchObject({ ids: [], info: { hasNextPage: true, startCursor: null, endCursor: null } });
  });

  it('answers last of exactly the edges there are, or more, with every edge and nothing before them', async () => {
    const all = await everyId();
    for (const last of [all.length, all.length + 3]) {
      const p = await page({ last });
      expect(p.ids, `last: ${last}`).toEqual(all);
      expect(p.info, `last: ${last}`).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    }
    const cursors = (await page({ first: 500 })).cursors;
    const head = await page({ last: 3, before: cursors[2] });
    expect(head.ids).toEqual(all.slice(0, 2));
    expect(head.info).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('takes last from the edges first kept when both are given, and says nothing precedes the first edges', async () => {
    const all = await everyId();
    const both = await page({ first: 2, last: 5 });
    expect(both.ids).toEqual(all.slice(0, 2));
    expect(both.info).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const tail = await page({ first: 5, last: 2 });
    expect(tail.ids).toEqual(all.slice(3, 5));
    expect(tail.info).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  });
});
