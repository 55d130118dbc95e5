import type { GraphQLError, GraphQLInterfaceType, GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import type { CredentialRecord, OwnerRecord } from '../domain/credential.js';
import { distinctCredentials } from '../domain/distinct.js';
import { compareKeys, SortKey, type Key } from '../domain/order.js';
import { credentialStatus } from '../domain/status.js';
import type { Vendor } from '../domain/vendor.js';
import { PartialListError, ValidationError, withArticle } from '../errors.js';
import { goneAsEmpty } from '../vendors/not-found.js';
import type { AccountSession } from '../vendors/types.js';
import { builder } from './builder.js';
import { CredentialInterface, CredentialOwnerInterface } from './credential.js';
import { CredentialKindEnum, CredentialStatusEnum, vendorEnum } from './enums.js';
import { parseGlobalId } from './global-id.js';
import { DEFAULT_PAGE, MAX_PAGE } from './paging.js';
import { accountFailure, AccountFailureType, failureRecord, type AccountFailureRecord } from './partial-errors.js';

const MAX_NODES = 100;

const CredentialFilter = builder.inputType('CredentialFilter', {
  description: 'All given conditions must hold; a list matches any of its values, and an empty list (like an absent one) filters nothing.',
  fields: (t) => ({
    vendors: t.field({ type: [vendorEnum()], required: false, description: 'Only credentials of any of these vendors (ANDed with the other conditions).' }),
    accounts: t.stringList({ required: false, description: 'Configured account names.' }),
    statuses: t.field({
      type: [CredentialStatusEnum],
      required: false,
      description: 'Only credentials with any of these statuses, as `status` gives them at this request (ANDed with the other conditions).',
    }),
    kinds: t.field({
      type: [CredentialKindEnum],
      required: false,
      description: 'Only credentials of any of these kinds (ANDed with the other conditions). Accounts of vendors that hold none of these kinds are not asked.',
    }),
    expiresBefore: t.field({
      type: 'DateTime',
      required: false,
      description:
        'Only credentials with a known expiry before this instant; UNKNOWN never matches. Conditions are ANDed, so `statuses: [UNKNOWN]` beside it ' +
        'matches nothing: ask for UNKNOWN credentials separately (another query, or an aliased `credentials(filter: { statuses: [UNKNOWN] })`).',
    }),
    owner: t.id({
      required: false,
      description: 'Only credentials of this owner (a CredentialOwner id). An owner that no longer exists has none: no error, no `failedAccounts` entry.',
    }),
  }),
});

builder.queryField('node', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    authScopes: { read: true },
    description: 'Any credential or owner by its id. Null when it no longer exists, or when the caller may not read its account.',
    args: { id: t.arg.id({ required: true, description: 'A global id from any `id` field of this gateway; a malformed one is a BAD_USER_INPUT error.' }) },
    resolve: (_root, { id }, ctx) => loadNode(String(id), ctx),
  }),
);

builder.queryField('nodes', (t) =>
  t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    authScopes: { read: true },
    description: `Up to ${MAX_NODES} nodes by id, in order; one failing id does not fail the others.`,
    args: {
      ids: t.arg.idList({
        required: true,
        description:
          `At most ${MAX_NODES} global ids, each counted toward the operation's \`limits.maxNodeLookups\` (beyond it the operation is refused: QUERY_TOO_COMPLEX). ` +
          'Each answer is at its id\'s index: null for an id that no longer exists or that the caller may not read; null with an error for a malformed id or a failing vendor.',
      }),
    },
    resolve: async (_root, { ids }, ctx) => {
      if (ids.length > MAX_NODES) throw new ValidationError(`at most ${MAX_NODES} ids per call`, [{ field: 'ids', message: 'too many' }]);
      // graphql-js turns an Error item into a located error for that index alone.
      return (await Promise.all(ids.map((id) => loadNode(String(id), ctx).catch((err: unknown) => err)))) as never;
    },
  }),
);

/** A node by global id, through the caller's sessions: accounts it may not read look empty. */
export async function loadNode(id: string, ctx: Context): Promise<CredentialRecord | OwnerRecord | null> {
  const ref = parseGlobalId(id);
  return (await ctx.sessions.readable(ref.account)?.load(ref)) ?? null;
}

/** A configured account as a caller sees it: what `filter.accounts` takes. */
const VendorAccountType = builder.objectRef<{ vendor: Vendor; account: string }>('VendorAccount').implement({
  description: 'A configured vendor account (tenant, organization, vault) the caller may read.',
  fields: (t) => ({
    name: t.string({ description: 'The configured account name, as `filter.accounts` and every credential\'s `account` give it.', resolve: (a) => a.account }),
    vendor: t.field({ type: vendorEnum(), description: 'The vendor the account belongs to.', resolve: (a) => a.vendor }),
  }),
});

builder.queryField('vendorAccounts', (t) =>
  t.field({
    type: [VendorAccountType],
    authScopes: { read: true },
    description: 'The accounts the caller may read, in config order. Asks no vendor anything.',
    resolve: (_root, _args, ctx) => ctx.sessions.select().map((s) => ({ vendor: s.vendor, account: s.account })),
  }),
);

builder.queryField('credentials', (t) =>
  t.connection(
    {
      type: CredentialInterface,
      authScopes: { read: true },
      description:
        'Credentials across every configured account: an unreadable expiry (UNKNOWN) first, then those without a date that their vendor says have expired or are expiring, then soonest expiry first, never-expiring last. ' +
        `Pages of \`first\` or \`last\` (default ${DEFAULT_PAGE}, at most ${MAX_PAGE}). An account that fails is listed in \`failedAccounts\` ` +
        'and adds an error (`extensions.code`, `vendor`, `account`) while the others still answer.',
      args: { filter: t.arg({ type: CredentialFilter, required: false, description: 'Which credentials to list; without it, every credential the caller may read.' }) },
      resolve: async (_root, args, ctx, info) => {
        const page = pageWindow(args); // refuse bad paging before any upstream call
        const failedAccounts: AccountFailureRecord[] = [];
        const items = await collectCredentials(args.filter ?? {}, ctx, info, failedAccounts);
        return Object.assign(paginate(items, args, page), { failedAccounts });
      },
    },
    {
      name: 'CredentialConnection',
      description: 'One page of `credentials`, with the count of all matches and the accounts that did not answer.',
      edgesField: { description: "This page's credentials, in the list's order." },
      fields: (c) => ({
        totalCount: c.int({
          description: 'Matching credentials across all pages, of the accounts (and owners) that answered (see `failedAccounts`).',
          resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount,
        }),
        failedAccounts: c.field({
          type: [AccountFailureType],
          description:
            'Accounts that did not answer: their credentials are missing from `edges` and `totalCount`. Empty when every account answered. ' +
            'An account some of whose owners could not be read is here with `partial: true`, and the credentials of its other owners are listed. ' +
            'Each also adds a GraphQL error naming it (`extensions.partial: true` for a partial one).',
          resolve: (conn) => (conn as unknown as { failedAccounts: AccountFailureRecord[] }).failedAccounts,
        }),
      }),
    },
    { name: 'CredentialEdge', description: 'One credential of a page, with the cursor of its place in the order.', nodeField: { description: 'The credential.' } },
  ),
);

type Filter = NonNullable<(typeof CredentialFilter)['$inferInput']>;

/** The owner filter's id, which must name an owner (a credential's id there is a mistake worth saying so). */
function ownerRef(id: string, info: GraphQLResolveInfo) {
  const ref = parseGlobalId(id, 'filter.owner');
  const owners = info.schema.getPossibleTypes(info.schema.getType(CredentialOwnerInterface.name) as GraphQLInterfaceType);
  if (!owners.some((t) => t.name === ref.typename)) {
    throw new ValidationError(`filter.owner must be the id of a CredentialOwner (${owners.map((t) => t.name).join(', ')}), not of ${withArticle(ref.typename)}`, [
      { field: 'filter.owner', message: 'not an owner id' },
    ]);
  }
  return ref;
}

async function collectCredentials(filter: Filter, ctx: Context, info: GraphQLResolveInfo, failures: AccountFailureRecord[]): Promise<CredentialRecord[]> {
  // `!= null`, not truthiness: an empty id is malformed like any other, not "no owner filter".
  const owner = filter.owner != null ? ownerRef(String(filter.owner), info) : null;
  // An owner lives in one account, and the filters are ANDed: `accounts` without it matches nothing.
  if (owner && filter.accounts?.length && !filter.accounts.includes(owner.account)) return [];
  const sessions = ctx.sessions.select({ vendors: filter.vendors, accounts: owner ? [owner.account] : filter.accounts, kinds: filter.kinds });
  // Failures are told in config order once every account has answered, not in the order they came.
  const failed: { at: number; error: GraphQLError; s: AccountSession }[] = [];
  const report = (err: unknown, s: AccountSession) => {
    // A partial list's error carries its records: log its cause and counts, not hundreds of records.
    const detail = err instanceof PartialListError ? { err: err.cause, partial: true, failedOwners: err.failed, owners: err.owners } : { err };
    ctx.scope.logger.warn({ ...detail, vendor: s.vendor, account: s.account }, 'account failed while listing credentials');
    failed.push({ at: sessions.indexOf(s), error: accountFailure(err, s, info), s });
  };
  const listAll = async (s: AccountSession) => {
    const all = await s.listCredentials().catch((err: unknown) => {
      if (!(err instanceof PartialListError)) throw err;
      // Some owners' credentials could not be read: list the others', and report the account as partial.
      report(err, s);
      return err.records as CredentialRecord[];
    });
    const list = distinctCredentials(all);
    // Owners not remembered are loaded one by one when selected: nothing lost but time.
    await ctx.sessions.rememberOwners(s).catch(() => undefined);
    return list;
  };
  const perAccount = await Promise.all(
    sessions.map((s) =>
      // An owner the vendor says does not exist (deleted, say) has no credentials, as `node` of it is
      // null: the account answered, so it is no failed account.
      (owner ? s.ownerCredentials(owner).then(distinctCredentials, goneAsEmpty) : listAll(s)).catch((err: unknown) => {
        // An owner id of the right type but a path its vendor never issues is the caller's mistake,
        // found before anything was sent: refused like any malformed owner id, not an account failure.
        if (owner && err instanceof ValidationError) throw new ValidationError(err.message, err.fields.map((f) => ({ ...f, field: 'filter.owner' })));
        report(err, s);
        return [];
      }),
    ),
  );
  for (const { error, s } of failed.sort((a, b) => a.at - b.at)) {
    ctx.partialErrors.push(error);
    failures.push(failureRecord(error, s));
  }
  const { now } = ctx.scope;
  const windowMs = ctx.settings.expiryWarningMs;
  const before = filter.expiresBefore?.getTime();
  return perAccount.flat().filter(
    (c) =>
      (!filter.statuses?.length || filter.statuses.includes(credentialStatus(c, now, windowMs))) &&
      (!filter.kinds?.length || filter.kinds.includes(c.kind)) &&
      (before === undefined || (c.expiresAt !== null && c.expiresAt.getTime() < before)),
  );
}

const encodeCursor = (k: SortKey) => Buffer.from(JSON.stringify(k.pair)).toString('base64url');
function decodeCursor(cursor: string, field: string): Key {
  try {
    const k = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(k) && k.length === 2 && typeof k[0] === 'number' && typeof k[1] === 'string') return { time: k[0], id: k[1] };
  } catch {
    // fall through
  }
  throw new ValidationError(`${field} is not a cursor from this connection`, [{ field, message: 'malformed cursor' }]);
}

interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

function pageWindow(args: PageArgs) {
  for (const f of ['first', 'last'] as const) {
    const n = args[f];
    if (n != null && (n < 0 || n > MAX_PAGE)) throw new ValidationError(`${f} must be between 0 and ${MAX_PAGE}`, [{ field: f, message: 'out of range' }]);
  }
  // An empty cursor is malformed like any other, not "from the start".
  return {
    after: args.after != null ? decodeCursor(args.after, 'after') : null,
    before: args.before != null ? decodeCursor(args.before, 'before') : null,
  };
}

/** Its cursor is encoded only when a query selects it. A class: V8 builds object literals with getters slowly. */
class Edge {
  constructor(
    readonly node: CredentialRecord,
    private readonly key: SortKey,
  ) {}
  get cursor(): string {
    return encodeCursor(this.key);
  }
}

function paginate(items: CredentialRecord[], args: PageArgs, { after, before }: ReturnType<typeof pageWindow>) {
  // Each key holds its credential: sorted, the keys are the list.
  const keyed = items.map((c) => new SortKey(c)).sort(compareKeys);
  let window = keyed.filter((k) => (!after || compareKeys(k, after) > 0) && (!before || compareKeys(k, before) < 0));
  const windowSize = window.length;
  const first = args.first ?? (args.last == null ? DEFAULT_PAGE : null);
  if (first != null) window = window.slice(0, first);
  // What `last` takes its edges from: with `first` too (discouraged, but valid), only those `first` kept.
  const lastFrom = window.length;
  if (args.last != null) window = window.slice(Math.max(0, window.length - args.last));
  const edges = window.map((k) => new Edge(k.credential, k));
  return {
    edges,
    totalCount: items.length,
    pageInfo: {
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
      hasNextPage: first != null ? windowSize > first : before !== null,
      hasPreviousPage: args.last != null ? lastFrom > args.last : after !== null,
    },
  };
}

