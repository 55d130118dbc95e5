import { isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import type { Context } from '../context.js';
import { ValidationError } from '../errors.js';
import type { CredentialRecord, OwnerRecord } from '../domain/credential.js';
import { holdsAnywhere } from '../auth/grants.js';
import { GATES, gateRefusal, type Builder, type NodeTypes } from './builder.js';
import { CredentialInterface, CredentialOwnerInterface } from './credential.js';
import { loadNode } from './queries.js';

type NodeRecord = CredentialRecord | OwnerRecord;
const isCredential = (r: NodeRecord): r is CredentialRecord => 'kind' in r;

/**
 * Federation: every credential and owner type — and the `Credential` and `CredentialOwner`
 * interfaces (Federation 2.3 entity interfaces) — is an entity keyed by `id`, so another subgraph
 * that holds an id can let the router resolve it here. References load exactly like `node(id)`,
 * through the caller's sessions, so account limits apply; an id of another type resolves to null.
 */
export function registerEntities(builder: Builder, nodeTypes: NodeTypes): void {
  const key = builder.selection<{ id: string }>('id');
  const load = async (id: string, ctx: Context, accept: (r: NodeRecord) => boolean) => {
    const record = await loadNode(id, ctx);
    return record && accept(record) ? record : null;
  };
  for (const type of nodeTypes) {
    builder.asEntity(type, { key, resolveReference: ({ id }, ctx) => load(id, ctx, (r) => r.ref.typename === type.name) });
  }
  builder.asEntity(CredentialInterface, {
    key,
    resolveReference: async ({ id }, ctx) => (await load(id, ctx, isCredential)) as CredentialRecord | null,
  });
  builder.asEntity(CredentialOwnerInterface, {
    key,
    resolveReference: async ({ id }, ctx) => (await load(id, ctx, (r) => !isCredential(r))) as OwnerRecord | null,
  });
}

/**
 * `_entities` resolves each representation on its own: one that names no entity type here or has
 * no string id is a BAD_USER_INPUT error for its index alone. The federation library's resolver
 * fails the whole list on an unknown `__typename`, and crashes on an id that is not a string.
 * A caller who may read no account at all is refused the whole field, as `nodes` refuses it.
 */
export function checkRepresentations(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()!.getFields()._entities!;
  const resolveAll = field.resolve!;
  const entity = (name: unknown) => {
    const type = typeof name === 'string' ? schema.getType(name) : undefined;
    return type && (isObjectType(type) || isInterfaceType(type)) && type.extensions?.apollo !== undefined;
  };
  field.resolve = (source, args: { representations: Record<string, unknown>[] }, ctx: Context, info) => {
    if (!holdsAnywhere(ctx.caller, GATES.read)) throw gateRefusal(ctx, info, GATES.read);
    return args.representations.map((rep, i) => {
      if (!entity(rep.__typename)) return invalid(i, '__typename', 'is not an entity type of this subgraph');
      if (typeof rep.id !== 'string') return invalid(i, 'id', 'must be a string id');
      return (resolveAll(source, { representations: [rep] }, ctx, info) as unknown[])[0];
    });
  };
  return schema;
}

function invalid(index: number, key: string, why: string): ValidationError {
  const field = `representations[${index}].${key}`;
  return new ValidationError(`${field} ${why}`, [{ field, message: why }]);
}
