import { printSubgraphSchema } from '@apollo/subgraph';
import { isInterfaceType, isObjectType, lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { ValidationError } from '../errors.js';
import { vendorModules } from '../vendors/registry.js';
import { builder } from './builder.js';
import './enums.js';
import './errors.js';
import './credential.js';
import './queries.js';
import './mutations.js';
import { registerEntities } from './federation.js';

/** Federation version of the subgraph schema (entity interfaces need 2.3). */
export const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.6';

let registered = false;
let schema: GraphQLSchema | undefined;
let subgraph: GraphQLSchema | undefined;

function register(): void {
  if (registered) return;
  registered = true;
  registerEntities(builder, vendorModules.flatMap((m) => m.registerSchema(builder)));
}

/** The standalone schema, built once per process: no schema work per request or per gateway. */
export function getSchema(): GraphQLSchema {
  register();
  schema ??= builder.toSchema();
  return schema;
}

/** The same API as a Federation v2 subgraph: adds `_service`, `_entities` and the @key directives. */
export function getSubgraphSchema(): GraphQLSchema {
  register();
  subgraph ??= checkRepresentations(builder.toSubGraphSchema({ linkUrl: FEDERATION_LINK, federationDirectives: ['@key'] }));
  return subgraph;
}

/**
 * `_entities` resolves each representation on its own: one that names no entity type here or has
 * no string id is a BAD_USER_INPUT error for its index alone. The federation library's resolver
 * fails the whole list on an unknown `__typename`, and crashes on an id that is not a string.
 */
function checkRepresentations(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()!.getFields()._entities!;
  const resolveAll = field.resolve!;
  const entity = (name: unknown) => {
    const type = typeof name === 'string' ? schema.getType(name) : undefined;
    return type && (isObjectType(type) || isInterfaceType(type)) && type.extensions?.apollo !== undefined;
  };
  field.resolve = (source, args: { representations: Record<string, unknown>[] }, ctx, info) =>
    args.representations.map((rep, i) => {
      if (!entity(rep.__typename)) return invalid(i, '__typename', 'is not an entity type of this subgraph');
      if (typeof rep.id !== 'string') return invalid(i, 'id', 'must be a string id');
      return (resolveAll(source, { representations: [rep] }, ctx, info) as unknown[])[0];
    });
  return schema;
}

function invalid(index: number, key: string, why: string): ValidationError {
  const field = `representations[${index}].${key}`;
  return new ValidationError(`${field} ${why}`, [{ field, message: why }]);
}

/** The SDL checked in at schema/schema.graphql: sorted, so diffs show real changes only. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(getSchema()))}\n`;
}

/** The subgraph SDL checked in at schema/subgraph.graphql, with its federation directives. */
export function printSortedSubgraph(): string {
  return `${printSubgraphSchema(lexicographicSortSchema(getSubgraphSchema()))}\n`;
}
