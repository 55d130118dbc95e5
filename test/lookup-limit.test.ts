import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Auth0Simulator } from '../src/vendors/auth0/simulator.js';
import { auth0Credential, gid } from './fixtures/ids.js';
import { startHarness, type Harness } from './fixtures/harness.js';

const PROD = 'auth0-prod';
let h: Harness;
let subgraph: Harness;
let batching: Harness;
beforeAll(async () => {
  [h, subgraph, batching] = await Promise.all([
    startHarness({ accounts: { auth0: [PROD] } }),
    startHarness({ accounts: { auth0: [PROD] }, config: { federation: true } }),
    startHarness({ accounts: { auth0: [PROD] }, config: { limits: { batching: 5 } } }),
  ]);
});
afterAll(async () => {
  await Promise.all([h.close(), subgraph.close(), batching.close()]);
});
beforeEach(() => {
  h.reset();
  subgraph.reset();
  batching.reset();
});

type Answer = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
async function gql(harness: Harness, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  return (await (await harness.post(JSON.stringify({ query, variables }))).json()) as Answer;
}
const upstream = (harness: Harness) => harness.sim(PROD).requests.filter((r) => !r.path.startsWith('/oauth'));
/** Made-up credential ids of the tenant: each would be one upstream GET. */
const forged = (n: number, from = 0) => Array.from({ length: n }, (_, i) => gid('Auth0ClientCredential', PROD, 'client-x', `cred-${from + i}`));
const refusedAsTooMany = (res: Answer, found: number, limit = 100) => {
  expect(res.data).toBeUndefined();
  expect(res.errors).toEqual([{ message: `Node lookups limit of ${limit} exceeded, found ${found}.`, extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }) }]);
};

describe('the limit on lookups by id per operation', () => {
  it('refuses twelve aliased nodes fields of 100 ids each before any upstream call, with one error', async () => {
    const aliases = Array.from({ length: 12 }, (_, i) => `a${i}: nodes(ids: $v${i}) { id }`).join(' ');
    const variables = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`v${i}`, forged(100, i * 100)]));
    const res = await gql(h, `query(${Object.keys(variables).map((v) => `$${v}: [ID!]!`).join(', ')}) { ${aliases} }`, variables);
    refusedAsTooMany(res, 1_200);
    expect(upstream(h)).toEqual([]);
  });

  it('counts every node, and ids given inline, as variables, as items of an inline list, or by a variable default', async () => {
    const nodes = Array.from({ length: 3 }, (_, i) => `n${i}: node(id: "${forged(1, i)[0]}") { id }`).join(' ');
    const inline = forged(95, 3).map((id) => `"${id}"`).join(', ');
    const query = `query($ids: [ID!]! = ["a", "b"], $one: ID!) { ${nodes} a: nodes(ids: $ids) { id } b: nodes(ids: [$one]) { id } c: nodes(ids: [${inline}]) { id } }`;
    refusedAsTooMany(await gql(h, query, { one: 'x' }), 101);
    refusedAsTooMany(await gql(h, query, { ids: ['a', 'b', 'c'], one: 'x' }), 102);
    expect(upstream(h)).toEqual([]);
  });

  it('runs an operation at the limit, each lookup once', async () => {
    const sim = h.sim(PROD) as Auth0Simulator;
    const real = auth0Credential(sim, PROD, 'billing-2025').globalId;
    const res = await gql(h, 'query($a: [ID!]!, $b: [ID!]!) { a: nodes(ids: $a) { id } b: nodes(ids: $b) { id } }', { a: [real, ...forged(49)], b: forged(50, 49) });
    expect(res.errors).toBeUndefined();
    expect((res.data!.a as ({ id: string } | null)[])[0]).toEqual({ id: real });
    expect(upstream(h)).toHaveLength(100);
  });

  it('counts fields as graphql-js runs them: once per response key, and not when @skip or @include leaves them out', async () => {
    const ids = forged(60);
    // Two fragments selecting the same root field merge into one: 60 lookups, not 120.
    const merged = await gql(h, 'query($ids: [ID!]!) { ...A ...B } fragment A on Query { nodes(ids: $ids) { id } } fragment B on Query { nodes(ids: $ids) { __typename } }', { ids });
    expect(JSON.stringify(merged.errors ?? [])).not.toContain('QUERY_TOO_COMPLEX');
    expect(upstream(h)).toHaveLength(60);
    h.reset();
    // A field left out, by a literal or by a variable, on the field or on a fragment around it, is not counted.
    const skipped = 'query($ids: [ID!]!, $off: Boolean!) { a: nodes(ids: $ids) @skip(if: true) { id } b: nodes(ids: $ids) @include(if: $off) { id } ... @skip(if: $on) { c: nodes(ids: $ids) { id } } d: nodes(ids: $ids) { id } }';
    const res = await gql(h, skipped.replace('$off: Boolean!', '$off: Boolean!, $on: Boolean = true'), { ids, off: false });
    expect(JSON.stringify(res.errors ?? [])).not.toContain('QUERY_TOO_COMPLEX');
    expect(Object.keys(res.data!)).toEqual(['d']);
    // The same operation with the fields included is over the limit.
    refusedAsTooMany(await gql(h, skipped.replace('$off: Boolean!', '$off: Boolean!, $on: Boolean = false'), { ids, off: true }), 180);
  });

  describe('judges literal ids under @include or @skip by the variables each request sends, never by a verdict fixed once per document', () => {
    const inline = (from: number) => forged(150, from).map((id) => `"${id}"`).join(', ');
    const included = (from: number) => `query($on: Boolean!) { __typename nodes(ids: [${inline(from)}]) @include(if: $on) { id } }`;
    const leftOut = { data: { __typename: 'Query' } };

    it('refuses a document included after it was allowed left out, sending nothing', async () => {
      // The same query text, so the same parsed document (and whatever is cached on it).
      const query = included(0);
      expect(await gql(h, query, { on: false })).toEqual(leftOut);
      refusedAsTooMany(await gql(h, query, { on: true }), 150);
      expect(upstream(h)).toEqual([]);
    });

    it('refuses a document included the first time it is sent, then allows it left out', async () => {
      const query = included(1_000);
      refusedAsTooMany(await gql(h, query, { on: true }), 150);
      expect(await gql(h, query, { on: false })).toEqual(leftOut);
      expect(upstream(h)).toEqual([]);
    });

    it('refuses a @skip document while it runs, then allows it skipped', async () => {
      const query = `query($off: Boolean!) { __typename nodes(ids: [${inline(2_000)}]) @skip(if: $off) { id } }`;
      refusedAsTooMany(await gql(h, query, { off: false }), 150);
      expect(await gql(h, query, { off: true })).toEqual(leftOut);
      expect(upstream(h)).toEqual([]);
    });
  });

  it('counts one id given where nodes expects a list (sent, or as the variable’s default) as one lookup, and a null as none', async () => {
    const query = `query($one: [ID!] = "${forged(1, 900)[0]}", $ids: [ID!]!) { a: nodes(ids: $one) { id } b: nodes(ids: $ids) { id } }`;
    refusedAsTooMany(await gql(h, query, { one: forged(1, 800)[0], ids: forged(100) }), 101);
    refusedAsTooMany(await gql(h, query, { ids: forged(100) }), 101);
    expect(upstream(h)).toEqual([]);
    // At the limit with the single id: it runs, each lookup once.
    const atLimit = await gql(h, query, { one: forged(1, 800)[0], ids: forged(99) });
    expect(JSON.stringify(atLimit.errors ?? [])).not.toContain('QUERY_TOO_COMPLEX');
    expect(atLimit.data).toEqual({ a: [null], b: Array.from({ length: 99 }, () => null) });
    expect(upstream(h)).toHaveLength(100);
    h.reset();
    // A null is no id: 100 lookups are within the limit (graphql-js then refuses the null itself).
    const nulled = await gql(h, query, { one: null, ids: forged(100) });
    expect(nulled.data).toBeNull();
    expect(nulled.errors).toEqual([expect.objectContaining({ message: 'Argument "ids" of non-null type "[ID!]!" must not be null.', path: ['a'] })]);
  });

  it('refuses the whole schema asked for twice under aliases, and answers it asked once', async () => {
    const res = await gql(h, '{ a: __schema { queryType { name } } b: __schema { queryType { name } } }');
    expect(res.errors).toEqual([{ message: '__schema may be selected once per operation', extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }) }]);
    expect((await gql(h, '{ __schema { queryType { name } } }')).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    // Twice under one name is one answer (graphql-js merges them).
    expect((await gql(h, '{ __schema { queryType { name } } __schema { mutationType { name } } }')).data).toEqual({ __schema: { queryType: { name: 'Query' }, mutationType: { name: 'Mutation' } } });
  });

  describe('in a batch', () => {
    const NODES = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }';
    async function batch(...ids: string[][]): Promise<Answer[]> {
      const res = await batching.post(JSON.stringify(ids.map((v) => ({ query: NODES, variables: { ids: v } }))));
      return (await res.json()) as Answer[];
    }

    it('counts the lookups of all its operations against one limit: an operation past what is left is refused, sending nothing', async () => {
      const [first, second] = await batch(forged(60), forged(60, 60));
      expect(first!.errors).toBeUndefined();
      expect(first!.data).toEqual({ nodes: Array.from({ length: 60 }, () => null) });
      expect(second!.data).toBeUndefined();
      expect(second!.errors).toEqual([
        { message: 'Node lookups limit of 100 exceeded, found 120 with the operations before it in this batch.', extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }) },
      ]);
      // Only the first operation's ids were looked up.
      expect(upstream(batching)).toHaveLength(60);
    });

    it('runs a batch whose operations together stay within the limit, and each batch has a limit of its own', async () => {
      for (let round = 0; round < 2; round++) {
        const answers = await batch(forged(40), forged(40, 40), forged(20, 80));
        for (const a of answers) expect(a.errors).toBeUndefined();
      }
      expect(upstream(batching)).toHaveLength(200);
    });
  });

  describe('as a subgraph', () => {
    const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }';
    const representations = (n: number) => forged(n).map((id) => ({ __typename: 'Auth0ClientCredential', id }));

    it('refuses more than 500 representations in one _entities fetch, before any upstream call', async () => {
      refusedAsTooMany(await gql(subgraph, ENTITIES, { r: representations(501) }), 501, 500);
      expect(upstream(subgraph)).toEqual([]);
    });

    it('counts representations with the nodes of the same operation', async () => {
      const res = await gql(subgraph, `query($r: [_Any!]!, $ids: [ID!]!) { _entities(representations: $r) { __typename } nodes(ids: $ids) { id } }`, {
        r: representations(450),
        ids: forged(51, 1_000),
      });
      refusedAsTooMany(res, 501, 500);
      expect(upstream(subgraph)).toEqual([]);
    });

    it('refuses _service asked for twice', async () => {
      const res = await gql(subgraph, '{ a: _service { sdl } b: _service { sdl } }');
      expect(res.errors?.[0]).toMatchObject({ message: '_service may be selected once per operation', extensions: { code: 'QUERY_TOO_COMPLEX' } });
    });
  });
});
