import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfig, jwtFixture, KEYS } from '../fixtures/callers.js';
import { startHarness, type Harness } from '../fixtures/harness.js';
import { ListCredentialsDocument, UpdateCredentialDocument } from '../gql/graphql.js';
import possibleTypes from '../gql/possible-types.js';

/**
 * A real GraphQL client against the gateway: Apollo Client with the generated typed documents and
 * `possibleTypes`, so its cache normalises every credential by `__typename` and `id` and an update
 * lands in lists already cached.
 */
let h: Harness;
let client: ApolloClient;
const sent: string[] = [];

beforeAll(async () => {
  h = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { auth: authConfig(await jwtFixture()) } });
  client = new ApolloClient({
    link: new HttpLink({
      uri: h.gateway.url,
      headers: { 'x-api-key': KEYS.admin },
      fetch: (input, init) => {
        sent.push(JSON.parse(String(init?.body)).operationName as string);
        return fetch(input, init);
      },
    }),
    cache: new InMemoryCache({ possibleTypes: possibleTypes.possibleTypes }),
  });
});
afterAll(() => h.close());

const variables = { filter: { vendors: ['AUTH0' as const] }, first: 500 };

describe('Apollo Client with the generated documents and possibleTypes', () => {
  it('lists credentials, typed, with vendor fields resolved through the interface fragments', async () => {
    const { data } = await client.query({ query: ListCredentialsDocument, variables });
    const nodes = data!.credentials.edges.map((e) => e.node);
    expect(nodes.length).toBeGreaterThan(3);
    const key = nodes.find((n) => n.__typename === 'Auth0ConnectionKey');
    expect(key).toMatchObject({ role: expect.stringMatching(/CURRENT|NEXT|PREVIOUS/), fingerprint: expect.any(String) });
  });

  it('updates a credential and sees the cached list change in place, without refetching it', async () => {
    const { data } = await client.query({ query: ListCredentialsDocument, variables });
    const target = data!.credentials.edges.map((e) => e.node).find((n) => n.__typename === 'Auth0ClientCredential' && n.status === 'EXPIRING')!;
    const expiresAt = new Date(Date.now() + 200 * 86_400_000).toISOString();
    sent.length = 0;

    const result = await client.mutate({ mutation: UpdateCredentialDocument, variables: { input: { id: target.id, expiresAt } } });
    expect(result.data!.updateCredential.__typename).toBe('UpdateCredentialSuccess');

    // The list, read from the cache only: the same entry, now with the new expiry and status.
    const cached = client.readQuery({ query: ListCredentialsDocument, variables });
    const updated = cached!.credentials.edges.map((e) => e.node).find((n) => n.id === target.id)!;
    expect(updated).toMatchObject({ expiresAt, status: 'ACTIVE' });
    expect(sent).toEqual(['UpdateCredential']);
    // One normalised entry per credential, keyed by typename and id.
    expect(client.cache.identify({ __typename: target.__typename, id: target.id })).toBe(`${target.__typename}:${target.id}`);
    expect((client.cache.extract() as Record<string, unknown>)[`${target.__typename}:${target.id}`]).toMatchObject({ expiresAt, status: 'ACTIVE' });
  });

  it('gets a typed error result for a refused change, with the interface matched through possibleTypes', async () => {
    const { data } = await client.query({ query: ListCredentialsDocument, variables });
    const key = data!.credentials.edges.map((e) => e.node).find((n) => n.__typename === 'Auth0ConnectionKey')!;
    const result = await client.mutate({ mutation: UpdateCredentialDocument, variables: { input: { id: key.id, name: 'renamed' } } });
    expect(result.data!.updateCredential).toMatchObject({
      __typename: 'UnsupportedChangeError',
      message: expect.stringContaining('cannot change'),
      unsupportedFields: ['name'],
    });
  });
});
