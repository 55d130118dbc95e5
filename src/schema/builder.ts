import SchemaBuilder, { type ObjectRef } from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import ErrorsPlugin from '@pothos/plugin-errors';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import { JSONResolver } from 'graphql-scalars';
import { getArgumentValues, type GraphQLResolveInfo } from 'graphql';
import { auditRefusal, changedFields, type AuditTarget } from '../audit.js';
import { holdsAnywhere, type ScopeName } from '../auth/grants.js';
import type { Context } from '../context.js';
import type { CredentialRecord, OwnerRecord } from '../domain/credential.js';
import type { Ref } from '../domain/ref.js';
import { PermissionDeniedError } from '../errors.js';
import { DateTime } from './date-time.js';
import { decodeGlobalId, encodeGlobalId, parseGlobalId } from './global-id.js';
import { DEFAULT_PAGE, MAX_PAGE } from './paging.js';

/** The permission each coarse gate of the schema stands for. */
export const GATES = { read: 'credentials:read', write: 'credentials:write', rotate: 'keys:rotate' } as const satisfies Record<string, ScopeName>;

/** A caller refused a field by a coarse gate: it holds `scope` on no account at all. */
export function gateRefusal(ctx: Context, info: GraphQLResolveInfo, scope: ScopeName | undefined): PermissionDeniedError {
  // The gates ask whether the caller holds the scope on any account at all.
  const needs = scope ? `: it needs ${scope} on at least one account` : '';
  return new PermissionDeniedError(`caller "${ctx.caller.name}" may not use ${info.parentType.name}.${info.fieldName}${needs}`, { scope });
}

/** The permission a scope-auth refusal was about, when it names one of the gates. */
function gateOf(failure: AuthFailure): ScopeName | undefined {
  if (failure.kind === AuthScopeFailureType.AuthScope) return GATES[failure.scope as keyof typeof GATES];
  if (!('failures' in failure)) return undefined;
  for (const f of failure.failures) {
    const gate = gateOf(f);
    if (gate) return gate;
  }
  return undefined;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  // Coarse gates: does the caller hold the scope anywhere? Per-account limits are enforced by
  // Sessions (lists silently narrow, writes elsewhere are PermissionDeniedError).
  AuthScopes: { read: boolean; write: boolean; rotate: boolean };
}>({
  // Errors before ScopeAuth, so a refused mutation is a typed PermissionDeniedError result;
  // Federation after the plugins that wrap resolvers.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, RelayPlugin, SimpleObjectsPlugin, DirectivesPlugin, FederationPlugin],
  scopeAuth: {
    authScopes: (ctx) => ({
      read: holdsAnywhere(ctx.caller, GATES.read),
      write: holdsAnywhere(ctx.caller, GATES.write),
      rotate: holdsAnywhere(ctx.caller, GATES.rotate),
    }),
    unauthorizedError: (_parent, ctx, info, result) => {
      // Refused before the resolver runs, so the audit record is written here.
      if (info.parentType.name === 'Mutation') auditRefusal(ctx, refusedTarget(ctx, info));
      return gateRefusal(ctx, info, gateOf(result.failure));
    },
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // node/nodes are written in queries.ts: they resolve through vendor sessions and report
    // malformed ids as typed input errors.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: (id) => decodeGlobalId(id),
    nodeTypeOptions: { description: 'Anything with a global id: every credential type and every owner type. `node(id)` resolves it.' },
    idFieldOptions: {
      description: 'Opaque global id issued by this gateway: stable across restarts and replicas, and resolvable by `node(id)`.',
    },
    // Every Relay-style subgraph has a PageInfo: shareable, so a supergraph composes with theirs.
    // Its own fields say only what Relay does: in a supergraph they are shared with other subgraphs.
    pageInfoTypeOptions: { shareable: true, description: 'Where a page sits in its connection (Relay).' },
    hasNextPageFieldOptions: { description: 'Whether more edges follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether edges precede this page.' },
    startCursorFieldOptions: { description: "The page's first cursor; null when the page is empty." },
    endCursorFieldOptions: { description: "The page's last cursor; null when the page is empty." },
    // The paging arguments and fields every connection shares. `credentials` is the only connection,
    // so they say how it pages (queries.ts).
    pageInfoFieldOptions: {
      description:
        'Cursors to page on. With `first` (or neither `first` nor `last`), `hasNextPage` is exact (within `before`, when it is given) and `hasPreviousPage` says whether `after` was given; with `last`, the reverse.',
    },
    cursorFieldOptions: {
      description: "This edge's place in the order, for `after` or `before`: opaque, and a position rather than an offset, so it stays usable as the list changes.",
    },
    firstArgOptions: {
      description: `At most this many edges from the start (0 to ${MAX_PAGE}, else BAD_USER_INPUT); ${DEFAULT_PAGE} when neither \`first\` nor \`last\` is given.`,
    },
    lastArgOptions: {
      description: `At most this many edges from the end (0 to ${MAX_PAGE}, else BAD_USER_INPUT), to page backwards with \`before\`.`,
    },
    afterArgOptions: { description: 'Only edges after this cursor (`endCursor` or an edge\'s `cursor`); a malformed one, the empty string included, is BAD_USER_INPUT.' },
    beforeArgOptions: { description: 'Only edges before this cursor (`startCursor` or an edge\'s `cursor`); a malformed one is BAD_USER_INPUT, as for `after`.' },
  },
  errors: { defaultTypes: [] },
  defaultFieldNullability: false,
});

declare module 'graphql' {
  interface GraphQLFieldExtensions<_TSource, _TContext, _TArgs> {
    /**
     * How a mutation's audit record lists the fields its input changes, where that is not
     * changedFields: given to the mutation's field, so that a record written for it before its
     * resolver runs (refusedTarget) lists them as its resolver's does.
     */
    auditFields?: (input: Record<string, unknown>) => readonly string[];
  }
}

/**
 * What a refused mutation's input named, for its audit record: the target its `id` or
 * `connectionId` names (when it parses), its vendor, and the fields it asked to change.
 */
function refusedTarget(ctx: Context, info: GraphQLResolveInfo): AuditTarget {
  const field = info.parentType.getFields()[info.fieldName]!;
  let input: Record<string, unknown> = {};
  try {
    const args = getArgumentValues(field, info.fieldNodes[0]!, info.variableValues);
    input = (args.input as Record<string, unknown> | undefined) ?? {};
  } catch {
    // Invalid arguments: the record names the operation alone.
  }
  const id = input.id ?? input.connectionId;
  let ref: Ref | null = null;
  try {
    ref = typeof id === 'string' ? parseGlobalId(id) : null;
  } catch {
    ref = null;
  }
  return { operation: info.fieldName, ref, vendor: ref ? ctx.sessions.vendorOf(ref.account) : null, fields: (field.extensions.auditFields ?? changedFields)(input) };
}

builder.addScalarType('DateTime', DateTime);
builder.addScalarType('JSON', JSONResolver);
builder.queryType({ description: 'Reads across every configured vendor account, narrowed to the accounts the caller may read.' });
builder.mutationType({
  description:
    'Changes made through the vendors. Each returns a union of its success type and typed errors, all implementing `Error`; ' +
    'its refusals and failures are those types, but for an unreachable shared store (nothing sent: a GraphQL error, `extensions.code` SERVICE_UNAVAILABLE).',
});

export type Builder = typeof builder;
type BuilderTypes = Builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
/** A vendor's credential and owner object types: every one becomes a federation entity. */
export type NodeTypes = readonly ObjectRef<BuilderTypes, CredentialRecord | OwnerRecord>[];
