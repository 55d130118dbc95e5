import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Vendor } from '../../src/domain/vendor.js';
import { vendorModules } from '../../src/vendors/registry.js';
import { ListCredentialsDocument, NodesDocument } from '../gql/graphql.js';
import { startHarness, type Harness } from '../fixtures/harness.js';

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

describe('credentials across all four vendors', () => {
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
    expect(new Set(edges.map((e) => e.node.vendor))).toEqual(new Set(['AUTH0', 'CONDUCTORONE', 'VAULT']));
    const statuses = await h.exec(ListCredentialsDocument, { first: 500, filter: { statuses: ['EXPIRING', 'EXPIRED'] } });
    expect(statuses.data!.credentials.edges.map((e) => e.node.id).sort()).toEqual(edges.map((e) => e.node.id).sort());
  });

  it.each(VENDORS)('keeps the other three vendors when every account of %s fails, with one error per failed account', async (failing) => {
    for (const name of accountsOf(failing)) h.sim(name).inject({ status: 500, times: 1_000 });
    const res = await everything();
    const vendors = new Set(res.data!.credentials.edges.map((e) => e.node.vendor));
    expect(vendors).toEqual(new Set(VENDORS.filter((v) => v !== failing)));
    expect(res.errors).toHaveLength(accountsOf(failing).length);
    for (const [i, name] of accountsOf(failing).entries()) {
      expect(res.errors!.find((e) => e.extensions?.account === name), `error for ${name} (#${i})`).toMatchObject({
        path: ['credentials'],
        extensions: { code: 'UPSTREAM_ERROR', vendor: failing, account: name, status: 500 },
      });
    }
    // The message names the vendor and account, and nothing the vendor said about itself.
    expect(res.errors![0]!.message).toMatch(new RegExp(`${failing} account "`));
    // The same failures as data, beside the list they are missing from.
    expect(res.data!.credentials.failedAccounts).toEqual(
      accountsOf(failing).map((account) => {
        const error = res.errors!.find((e) => e.extensions?.account === account)!;
        return { vendor: failing, account, code: 'UPSTREAM_ERROR', message: error.message, retryAfter: null, retryable: true, limitedBy: null };
      }),
    );
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
});
