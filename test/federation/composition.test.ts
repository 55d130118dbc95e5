import { printSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { getSubgraphSchema, printSortedSubgraph } from '../../src/schema/index.js';

/** Another subgraph written the Relay way: its own connection, hence its own PageInfo. */
const RELAY_STYLE_SUBGRAPH = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@shareable"])
type PageInfo @shareable { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
type Team @key(fields: "id") { id: ID! name: String! }
type TeamEdge { cursor: String! node: Team! }
type TeamConnection { pageInfo: PageInfo! edges: [TeamEdge!]! }
type Query { teams(first: Int, after: String): TeamConnection! }
`;

/** Another subgraph with a Relay `node` of its own: `Query.node` is then defined twice. */
const NODE_SUBGRAPH = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
interface Node { id: ID! }
type Project implements Node @key(fields: "id") { id: ID! name: String! }
type Query { node(id: ID!): Node projects: [Project!]! }
`;

const composeWith = (credentials: string, other: string) =>
  composeServices([
    { name: 'credentials', typeDefs: parse(credentials), url: 'http://127.0.0.1:1/graphql' },
    { name: 'other', typeDefs: parse(other), url: 'http://127.0.0.1:2/graphql' },
  ]).errors?.map((e) => e.message) ?? [];

describe('the subgraph schema', () => {
  it('composes with another Relay-style subgraph: PageInfo is shareable', () => {
    const { errors } = composeServices([
      { name: 'credentials', typeDefs: parse(printSortedSubgraph()), url: 'http://127.0.0.1:1/graphql' },
      { name: 'teams', typeDefs: parse(RELAY_STYLE_SUBGRAPH), url: 'http://127.0.0.1:2/graphql' },
    ]);
    expect(errors?.map((e) => e.message) ?? []).toEqual([]);
  });

  it('does not compose with another subgraph that defines Query.node: a root field in two subgraphs must be shareable', () => {
    expect(composeWith(printSortedSubgraph(), NODE_SUBGRAPH)).toEqual([expect.stringContaining('"Query.node" is resolved from multiple subgraphs')]);
  });

  it('composes with it once node and nodes are left out (federation: { node: false }), every type still an entity', () => {
    const withoutNode = printSubgraphSchema(getSubgraphSchema({ node: false }));
    expect(withoutNode).not.toMatch(/^ {2}nodes?\(/m);
    expect(withoutNode).toMatch(/^ {2}credentials\(/m);
    expect(withoutNode).toContain('type Auth0ClientCredential implements Node & Credential\n  @key(fields: "id")');
    expect(composeWith(withoutNode, NODE_SUBGRAPH)).toEqual([]);
  });
});
