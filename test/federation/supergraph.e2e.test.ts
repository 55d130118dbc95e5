import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printSortedSubgraph } from '../../src/schema/index.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import type { Auth0Simulator } from '../../src/vendors/auth0/simulator.js';
import type { ConductorOneSimulator } from '../../src/vendors/conductorone/simulator.js';
import type { KeycardSimulator } from '../../src/vendors/keycard/simulator.js';
import { authConfig, jwtFixture, KEYS } from '../fixtures/callers.js';
import { calls, startHarness, type Harness } from '../fixtures/harness.js';
import { startTeamsSubgraph, type Team } from './teams-subgraph.js';

/**
 * The gateway composed into a supergraph with a "teams" subgraph by a real composition library,
 * served by a real federation gateway (Hive Gateway runtime), with the router forwarding the
 * caller's API key to the credential subgraph.
 */
let h: Harness;
let teams: Awaited<ReturnType<typeof startTeamsSubgraph>>;
let router: GatewayRuntime;
let team: Team;
let expected: { auth0Client: string; principal: string; serviceAccount: string };

beforeAll(async () => {
  h = await startHarness({ accounts: { auth0: ['auth0-prod'] }, config: { federation: true, auth: authConfig(await jwtFixture()) } });
  const auth0 = h.sim('auth0-prod') as Auth0Simulator;
  const c1 = h.sim('conductorone-sandbox') as ConductorOneSimulator;
  const keycard = h.sim('keycard-sandbox') as KeycardSimulator;
  const client = auth0.state.clients.find((c) => c.name === 'Billing Service')!;
  const principal = c1.state.principals.find((p) => (c1.state.credentials.get(p.id)?.length ?? 0) > 0)!;
  const account = keycard.state.serviceAccounts.find((sa) => (keycard.state.credentials.get(sa.id)?.length ?? 0) > 0)!;
  expected = { auth0Client: client.client_id, principal: principal.id, serviceAccount: account.id };
  team = {
    id: 'team-payments',
    name: 'Payments',
    ownerIds: [
      encodeGlobalId('Auth0Client', JSON.stringify(['auth0-prod', client.client_id])),
      encodeGlobalId('ConductorOneServicePrincipal', JSON.stringify(['conductorone-sandbox', principal.id])),
      encodeGlobalId('KeycardServiceAccount', JSON.stringify(['keycard-sandbox', account.id])),
    ],
  };
  teams = await startTeamsSubgraph([team]);
  const composed = composeServices([
    { name: 'credentials', typeDefs: parse(printSortedSubgraph()), url: h.gateway.url },
    { name: 'teams', typeDefs: parse(teams.sdl), url: teams.url },
  ]);
  if (composed.errors?.length) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
  router = createGatewayRuntime({
    supergraph: composed.supergraphSdl!,
    logging: false,
    // The credential subgraph authenticates every call: the router passes the caller's key on.
    propagateHeaders: { fromClientToSubgraphs: ({ request }) => ({ 'x-api-key': request.headers.get('x-api-key') ?? '' }) },
  });
});
afterAll(async () => {
  await router?.dispose();
  await teams?.close();
  await h?.close();
});

async function query<T>(document: string, headers: Record<string, string> = { 'x-api-key': KEYS.admin }) {
  const res = await router.fetch('http://router/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: document }) });
  return (await res.json()) as { data?: T; errors?: { message: string }[] };
}

const TEAM_CREDENTIALS = `{
  teams {
    name
    owners {
      __typename
      id
      vendor
      name
      credentials { __typename name status expiresAt }
    }
  }
}`;

describe('a supergraph with a teams subgraph', () => {
  it('composes: the router serves both subgraphs’ types', async () => {
    const res = await query<{ __schema: { types: { name: string }[] } }>('{ __schema { types { name } } }');
    const names = res.data!.__schema.types.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['Team', 'CredentialOwner', 'Auth0Client', 'KeycardCredential', 'VaultCredential']));
  });

  it('answers a query that starts at teams and reaches into credentials and their expiry status', async () => {
    h.reset();
    const res = await query<{ teams: { name: string; owners: { __typename: string; id: string; vendor: string; credentials: { status: string }[] }[] }[] }>(TEAM_CREDENTIALS);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const [payments] = res.data!.teams;
    expect(payments!.name).toBe('Payments');
    expect(payments!.owners.map((o) => [o.__typename, o.id, o.vendor])).toEqual([
      ['Auth0Client', team.ownerIds[0], 'AUTH0'],
      ['ConductorOneServicePrincipal', team.ownerIds[1], 'CONDUCTORONE'],
      ['KeycardServiceAccount', team.ownerIds[2], 'KEYCARD'],
    ]);
    const auth0 = h.sim('auth0-prod') as Auth0Simulator;
    const billing = auth0.state.credentials.get(expected.auth0Client)!;
    expect(payments!.owners[0]!.credentials).toHaveLength(billing.length);
    expect(new Set(payments!.owners[0]!.credentials.map((c) => c.status))).toEqual(new Set(['EXPIRED', 'EXPIRING', 'ACTIVE']));
    for (const owner of payments!.owners) expect(owner.credentials.length).toBeGreaterThan(0);
  });

  it('makes the simulators receive only the calls that query needs', async () => {
    h.reset();
    await query(TEAM_CREDENTIALS);
    const auth0 = calls(h.sim('auth0-prod'));
    expect(auth0.filter((c) => !c.startsWith('GET /api/v2/clients?'))).toEqual([`GET /api/v2/clients/${expected.auth0Client}/credentials`]);
    expect(auth0.filter((c) => c.startsWith('GET /api/v2/clients?')).length).toBeGreaterThan(0); // Auth0 has no get-one-client in the contract
    expect(calls(h.sim('conductorone-sandbox')).sort()).toEqual(
      [
        `GET /api/v1/service_principals/${expected.principal}`,
        expect.stringMatching(new RegExp(`^GET /api/v1/service_principals/${expected.principal}/credentials\\?`)),
      ].sort(),
    );
    const keycard = calls(h.sim('keycard-sandbox'));
    expect(keycard).toHaveLength(2);
    expect(keycard.every((c) => c.includes(expected.serviceAccount))).toBe(true);
    expect(calls(h.sim('vault-sandbox'))).toEqual([]);
  });

  it('keeps the caller’s limits across the router: without a key the credential subgraph refuses', async () => {
    const res = await query<{ teams: { name: string; owners: unknown[] }[] }>(TEAM_CREDENTIALS, {});
    // The router resolves no owner (its subgraph fetch was refused with 401): nothing of them reaches the caller.
    expect(res.data?.teams).toEqual([{ name: 'Payments', owners: [null, null, null] }]);
    expect(calls(h.sim('vault-sandbox'))).toEqual([]);
  });
});
