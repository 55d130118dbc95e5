import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printSortedSubgraph } from '../../src/schema/index.js';

/** Another subgraph written the Relay way: its own connection, hence its own PageInfo. */
const RELAY_STYLE_SUBGRAPH = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@shareable"])
type PageInfo @shareable { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
type Team @key(fields: "id") { id: ID! name: String! }
type TeamEdge { cursor: String! node: Team! }
type TeamConnection { pageInfo: PageInfo! edges: [TeamEdge!]! }
type Query { teams(first: Int, after: String): TeamConnection! }
`;

describe('the subgraph schema', () => {
  it('composes with another Relay-style subgraph: PageInfo is shareable', () => {
    const { errors } = composeServices([
      { name: 'credentials', typeDefs: parse(printSortedSubgraph()), url: 'http://127.0.0.1:1/graphql' },
      { name: 'teams', typeDefs: parse(RELAY_STYLE_SUBGRAPH), url: 'http://127.0.0.1:2/graphql' },
    ]);
    expect(errors?.map((e) => e.message) ?? []).toEqual([]);
  });
});
