import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

export interface Team {
  id: string;
  name: string;
  /** Global ids of credential owners in the credential gateway: Auth0 clients, service principals… */
  ownerIds: string[];
}

/**
 * A second subgraph, as another team would write it: it knows teams and the ids of the credential
 * owners they are responsible for, nothing else. `CredentialOwner` is the gateway's entity
 * interface, seen here as an @interfaceObject: the router asks the gateway for the rest.
 */
export const TEAMS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@interfaceObject"])

  type Query {
    teams: [Team!]!
  }

  type Team @key(fields: "id") {
    id: ID!
    name: String!
    owners: [CredentialOwner]!
  }

  type CredentialOwner @key(fields: "id") @interfaceObject {
    id: ID!
  }
`;

export async function startTeamsSubgraph(teams: Team[]): Promise<{ url: string; sdl: string; close(): Promise<void> }> {
  const schema = buildSubgraphSchema({
    typeDefs: parse(TEAMS_SDL),
    resolvers: {
      Query: { teams: () => teams },
      Team: {
        __resolveReference: (ref: { id: string }) => teams.find((t) => t.id === ref.id) ?? null,
        owners: (team: Team) => team.ownerIds.map((id) => ({ id })),
      },
      CredentialOwner: { __resolveReference: (ref: { id: string }) => ref },
    } as never,
  });
  const yoga = createYoga({ schema, logging: false, graphqlEndpoint: '/graphql', graphiql: false });
  const server: Server = createServer(yoga);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    sdl: TEAMS_SDL,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
