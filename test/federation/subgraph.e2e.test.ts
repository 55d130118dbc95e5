import { readFile } from 'node:fs/promises';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLInterfaceType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSubgraphSchema, printSortedSubgraph } from '../../src/schema/index.js';
import { authConfig, jwtFixture, KEYS, type JwtFixture } from '../fixtures/callers.js';
import { nothingUpstream, startHarness, type Harness } from '../fixtures/harness.js';
import { gid } from '../fixtures/ids.js';

/** The gateway as a Federation v2 subgraph: `_service` and `_entities`, as a router calls them. */
let h: Harness;
let jwt: JwtFixture;
beforeAll(async () => {
  jwt = await jwtFixture();
  h = await startHarness({ config: { federation: true, auth: authConfig(jwt, { staging: 'auth0-staging' }) } });
});
afterAll(() => h.close());

const admin = { 'x-api-key': KEYS.admin };
async function gql<T>(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = admin) {
  const res = await h.post(JSON.stringify({ query, variables }), headers);
  return (await res.json()) as { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

interface Listed {
  credentials: { edges: { node: { id: string; __typename: string; account: string; owner: { id: string; __typename: string } | null } }[] };
}
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
  __typename
  ... on Credential { id name status account }
  ... on CredentialOwner { id name account credentials { id } }
} }`;

describe('the subgraph', () => {
  it('answers _service with the SDL checked in at schema/subgraph.graphql', async () => {
    const res = await gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(res.data!._service.sdl).toContain('@key(fields: "id")');
    expect(await readFile('schema/subgraph.graphql', 'utf8')).toBe(printSortedSubgraph());
  });

  it('resolves every credential and owner type by id through _entities', async () => {
    const listed = (await gql<Listed>('{ credentials(first: 500) { edges { node { id __typename account owner { id __typename } } } } }')).data!;
    const byType = new Map<string, string>();
    for (const { node } of listed.credentials.edges) {
      byType.set(node.__typename, node.id);
      if (node.owner) byType.set(node.owner.__typename, node.owner.id);
    }
    // The sandbox holds one of every credential and owner type the schema has.
    const schema = getSubgraphSchema();
    const entityTypes = ['Credential', 'CredentialOwner'].flatMap((i) => schema.getImplementations(schema.getType(i) as GraphQLInterfaceType).objects.map((t) => t.name));
    expect(entityTypes.length).toBeGreaterThan(1);
    expect([...byType.keys()].sort()).toEqual(entityTypes.sort());
    const representations = [...byType].map(([__typename, id]) => ({ __typename, id }));
    const res = await gql<{ _entities: { __typename: string; id: string }[] }>(ENTITIES, { r: representations });
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities.map((e) => [e.__typename, e.id])).toEqual([...byType]);
  });

  it('resolves the Credential and CredentialOwner entity interfaces to their concrete types', async () => {
    const listed = (await gql<Listed>('{ credentials(first: 1, filter: { vendors: [KEYCARD] }) { edges { node { id __typename account owner { id __typename } } } } }')).data!;
    const { id, owner } = listed.credentials.edges[0]!.node;
    const res = await gql<{ _entities: { __typename: string; id: string }[] }>(ENTITIES, {
      r: [
        { __typename: 'Credential', id },
        { __typename: 'CredentialOwner', id: owner!.id },
        { __typename: 'CredentialOwner', id }, // a credential is no owner
      ],
    });
    expect(res.data!._entities).toEqual([
      expect.objectContaining({ __typename: 'KeycardCredential', id }),
      expect.objectContaining({ __typename: 'KeycardServiceAccount', id: owner!.id }),
      null,
    ]);
  });

  it('resolves an id of another type to null, and a malformed id to an error for that entity only', async () => {
    const listed = (await gql<Listed>('{ credentials(first: 1, filter: { vendors: [VAULT] }) { edges { node { id __typename account owner { id __typename } } } } }')).data!;
    const { id } = listed.credentials.edges[0]!.node;
    const res = await gql<{ _entities: unknown[] }>(ENTITIES, { r: [{ __typename: 'KeycardCredential', id }, { __typename: 'VaultCredential', id: 'bogus' }] });
    expect(res.data!._entities).toEqual([null, null]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('refuses a representation with an unknown __typename or no string id as BAD_USER_INPUT for that entity only', async () => {
    const listed = (await gql<Listed>('{ credentials(first: 1, filter: { vendors: [VAULT] }) { edges { node { id __typename account owner { id __typename } } } } }')).data!;
    const { id } = listed.credentials.edges[0]!.node;
    const res = await gql<{ _entities: ({ id: string } | null)[] }>(ENTITIES, {
      r: [{ __typename: 'Nope', id }, { __typename: 'VaultCredential', id }, { __typename: 'Credential' }, { __typename: 'Credential', id: 5 }, { __typename: 'PageInfo', id }],
    });
    expect(res.data!._entities).toEqual([null, expect.objectContaining({ id }), null, null, null]);
    expect(res.errors!.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['representations[0].__typename is not an entity type of this subgraph', 'BAD_USER_INPUT'],
      ['representations[2].id must be a string id', 'BAD_USER_INPUT'],
      ['representations[3].id must be a string id', 'BAD_USER_INPUT'],
      ['representations[4].__typename is not an entity type of this subgraph', 'BAD_USER_INPUT'],
    ]);
  });

  it('applies the caller’s account limits to entity references', async () => {
    const listed = (await gql<Listed>('{ credentials(first: 500, filter: { accounts: ["auth0-prod"] }) { edges { node { id __typename account owner { id __typename } } } } }')).data!;
    const { id, __typename } = listed.credentials.edges[0]!.node;
    // staging-writer may read auth0-staging only.
    const res = await gql<{ _entities: unknown[] }>(ENTITIES, { r: [{ __typename, id }] }, { 'x-api-key': KEYS.stagingWriter });
    expect(res.data!._entities).toEqual([null]);
  });

  it('refuses _entities to a caller who may read no account, as nodes is refused, asking no vendor', async () => {
    const listed = (await gql<Listed>('{ credentials(first: 1) { edges { node { id __typename account owner { id __typename } } } } }')).data!;
    const { id, __typename } = listed.credentials.edges[0]!.node;
    h.reset();
    const writeOnly = { authorization: `Bearer ${await jwt.sign({ sub: 'writeonly', scope: 'credentials:write keys:rotate' })}` };
    const res = await gql<{ _entities: unknown[] }>(ENTITIES, { r: [{ __typename, id }] }, writeOnly);
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: 'caller "writeonly" may not use Query._entities: it needs credentials:read on at least one account',
        extensions: expect.objectContaining({ code: 'FORBIDDEN', requiredScope: 'credentials:read' }),
      }),
    ]);
    nothingUpstream(h);
  });

  it('takes a router’s fetch of as many representations as the lookup limit allows, with ids of the longest account names', async () => {
    const account = 'a'.repeat(64); // the longest an account name may be; no such account here, so each resolves to null
    const r = Array.from({ length: 500 }, (_, i) => ({
      __typename: 'Auth0ClientCredential',
      id: gid('Auth0ClientCredential', account, `Client${String(i).padStart(26, '0')}`, `cred_${String(i).padStart(22, '0')}`),
    }));
    const body = JSON.stringify({ query: ENTITIES, variables: { r } });
    expect(body.length).toBeGreaterThan(100_000);
    const res = await h.post(body, admin);
    expect(res.status).toBe(200);
    const json = (await res.json()) as { data: { _entities: unknown[] }; errors?: unknown };
    expect(json.errors).toBeUndefined();
    expect(json.data._entities).toEqual(Array(500).fill(null));
  });

  it('still requires credentials', async () => {
    const res = await h.post(JSON.stringify({ query: '{ _service { sdl } }' }));
    expect(res.status).toBe(401);
  });
});

describe('the subgraph with federation: { node: false }', () => {
  let bare: Harness;
  beforeAll(async () => {
    bare = await startHarness({ config: { federation: { node: false } } });
  });
  afterAll(() => bare.close());
  const ask = async <T>(query: string, variables: Record<string, unknown> = {}) =>
    (await (await bare.post(JSON.stringify({ query, variables }))).json()) as { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };

  it('answers _service with an SDL without Query.node and nodes, the one that composes beside another subgraph’s node', async () => {
    const res = await ask<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(res.data!._service.sdl).toBe(printSubgraphSchema(getSubgraphSchema({ node: false })));
    expect(res.data!._service.sdl).not.toMatch(/^ {2}nodes?\(/m);
  });

  it('refuses node as a field Query does not have, sending nothing upstream', async () => {
    bare.reset();
    const res = await ask('query($id: ID!) { node(id: $id) { id } }', { id: 'any' });
    expect(res.errors).toEqual([expect.objectContaining({ message: 'Cannot query field "node" on type "Query".', extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })]);
    nothingUpstream(bare);
  });

  it('still resolves its credentials by id through _entities', async () => {
    const listed = await ask<Listed>('{ credentials(first: 1, filter: { vendors: [VAULT] }) { edges { node { id __typename account owner { id __typename } } } } }');
    const { id, __typename } = listed.data!.credentials.edges[0]!.node;
    const res = await ask<{ _entities: { __typename: string; id: string }[] }>(ENTITIES, { r: [{ __typename, id }] });
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([expect.objectContaining({ __typename, id })]);
  });
});
