import { printSubgraphSchema } from '@apollo/subgraph';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { vendorModules } from '../vendors/registry.js';
import { builder } from './builder.js';
import './enums.js';
import './errors.js';
import './credential.js';
import './queries.js';
import './mutations.js';
import { checkRepresentations, registerEntities } from './federation.js';

/** Federation version of the subgraph schema (entity interfaces need 2.3). */
const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.6';

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
  subgraph ??= checkRepresentations(builder.toSubGraphSchema({ linkUrl: FEDERATION_LINK, federationDirectives: ['@key', '@shareable'] }));
  return subgraph;
}

/** The SDL checked in at schema/schema.graphql: sorted, so diffs show real changes only. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(getSchema()))}\n`;
}

/** The subgraph SDL checked in at schema/subgraph.graphql, with its federation directives. */
export function printSortedSubgraph(): string {
  return `${printSubgraphSchema(lexicographicSortSchema(getSubgraphSchema()))}\n`;
}
