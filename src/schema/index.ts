import { printSubgraphSchema } from '@apollo/subgraph';
import { GraphQLObjectType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { vendorModules } from '../vendors/registry.js';
import { builder } from './builder.js';
import { addVendorEnum } from './enums.js';
import './errors.js';
import './credential.js';
import './queries.js';
import './mutations.js';
import { checkRepresentations, registerEntities } from './federation.js';

/** Federation version of the subgraph schema (entity interfaces need 2.3). */
const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.6';

let nodeTypes: ReadonlySet<string> | undefined;
let schema: GraphQLSchema | undefined;
let subgraph: GraphQLSchema | undefined;
let subgraphWithoutNode: GraphQLSchema | undefined;

function register(): ReadonlySet<string> {
  if (nodeTypes) return nodeTypes;
  addVendorEnum(vendorModules);
  const types = vendorModules.flatMap((m) => m.registerSchema(builder));
  nodeTypes = new Set(types.map((type) => type.name));
  registerEntities(builder, types);
  return nodeTypes;
}

/** The vendors' node types by name (credentials, owners): all a stored ref may name. */
export function nodeTypenames(): ReadonlySet<string> {
  return register();
}

/** The standalone schema, built once per process: no schema work per request or per gateway. */
export function getSchema(): GraphQLSchema {
  register();
  schema ??= builder.toSchema();
  return schema;
}

/**
 * The same API as a Federation v2 subgraph: adds `_service`, `_entities` and the @key directives.
 * `node: false` (config `federation: { node: false }`) leaves out `Query.node` and `nodes`.
 */
export function getSubgraphSchema({ node = true }: { node?: boolean } = {}): GraphQLSchema {
  register();
  subgraph ??= checkRepresentations(builder.toSubGraphSchema({ linkUrl: FEDERATION_LINK, federationDirectives: ['@key', '@shareable'] }));
  if (node) return subgraph;
  subgraphWithoutNode ??= withoutNodeFields(subgraph);
  return subgraphWithoutNode;
}

/**
 * The subgraph without `Query.node` and `nodes`, for a supergraph where another subgraph defines
 * them: a root field in two subgraphs must be shareable, and neither subgraph could resolve the
 * other's ids. Every type stays an entity, so `_entities` still resolves any id of this gateway;
 * `_service` answers this schema's own SDL.
 */
function withoutNodeFields(full: GraphQLSchema): GraphQLSchema {
  const query = full.getQueryType()!.toConfig();
  const { node: _node, nodes: _nodes, ...fields } = query.fields;
  let sdl = '';
  // No AST nodes: printSubgraphSchema prints a type's fields from them when they are there.
  const withoutNode = new GraphQLObjectType({
    ...query,
    astNode: undefined,
    extensionASTNodes: [],
    fields: { ...fields, _service: { ...fields._service!, resolve: () => ({ sdl }) } },
  });
  const config = full.toConfig();
  const schema = new GraphQLSchema({ ...config, query: withoutNode, types: config.types.map((t) => (t.name === query.name ? withoutNode : t)) });
  sdl = printSubgraphSchema(schema);
  return schema;
}

/** The SDL checked in at schema/schema.graphql: sorted, so diffs show real changes only. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(getSchema()))}\n`;
}

/** The subgraph SDL checked in at schema/subgraph.graphql, with its federation directives. */
export function printSortedSubgraph(): string {
  return `${printSubgraphSchema(lexicographicSortSchema(getSubgraphSchema()))}\n`;
}
