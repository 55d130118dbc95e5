import { getOperationAST, parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { costOf } from '../src/page-cost.js';
import { getSchema } from '../src/schema/index.js';
import { startHarness, type Harness } from './fixtures/harness.js';

const cost = (source: string, variables: Record<string, unknown> = {}, operationName?: string) => {
  const document = parse(source);
  return costOf(getSchema(), document, getOperationAST(document, operationName)!, variables);
};
const FIELDS = 'id name status expiresAt owner { id name }';

describe('the cost of an operation', () => {
  it('counts a selection the same written inline, in a spread fragment or in an inline fragment, at any level', () => {
    const inline = cost(`{ credentials(first: 500) { edges { node { ${FIELDS} } } } }`);
    expect(inline).toBeGreaterThan(0);
    expect(cost(`{ credentials(first: 500) { edges { node { ...F } } } } fragment F on Credential { ${FIELDS} }`)).toBe(inline);
    expect(cost(`{ credentials(first: 500) { edges { node { ... on Credential { ${FIELDS} } } } } }`)).toBe(inline);
    expect(cost(`{ ...Q } fragment Q on Query { credentials(first: 500) { edges { node { ${FIELDS} } } } }`)).toBe(inline);
  });

  it('counts a connection at the page it serves: first, else last, else the default page of 100', () => {
    const at = (n: number) => cost(`{ credentials(first: ${n}) { edges { node { id } } } }`);
    expect(at(500)).toBe(5 * at(100));
    expect(cost('{ credentials(last: 500) { edges { node { id } } } }')).toBe(at(500));
    expect(cost('{ credentials(first: null, last: 500) { edges { node { id } } } }')).toBe(at(500));
    expect(cost('{ credentials { edges { node { id } } } }')).toBe(at(100));
    expect(cost('{ credentials(first: 100000) { edges { node { id } } } }')).toBe(at(500)); // the connection refuses it
  });

  it('reads page sizes from the variables sent, else from the running operation’s own defaults', () => {
    const at = (n: number) => cost(`{ credentials(first: ${n}) { edges { node { id } } } }`);
    const q = 'query A($n: Int = 500) { credentials(first: $n) { edges { node { id } } } } query B($n: Int = 1) { credentials(first: $n) { totalCount } }';
    expect(cost(q, {}, 'A')).toBe(at(500));
    expect(cost(q, { n: 20 }, 'A')).toBe(at(20));
    expect(cost('query($constructor: Int = 500) { credentials(first: $constructor) { edges { node { id } } } }')).toBe(at(500));
  });
});

describe('the cost limit, as the gateway applies it before anything runs', () => {
  const PROD = 'auth0-prod';
  /** A query whose cost is a whole number; the limit is set to exactly that. */
  const AT_LIMIT = `{ credentials(first: 10, filter: { accounts: ["${PROD}"] }) { totalCount } }`;
  /** The same plus one scalar field at the root: one more. */
  const OVER_LIMIT = `{ __typename credentials(first: 10, filter: { accounts: ["${PROD}"] }) { totalCount } }`;
  const MAX = cost(AT_LIMIT);
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ accounts: { auth0: [PROD] }, config: { limits: { maxCost: MAX } } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());

  type Answer = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
  const gql = async (query: string, operationName?: string): Promise<Answer> => (await (await h.post(JSON.stringify({ query, operationName }))).json()) as Answer;
  const upstream = () => h.sim(PROD).apiRequests();
  const refusedAsTooCostly = (res: Answer, found: number) => {
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toEqual([{ message: `Query Cost limit of ${MAX} exceeded, found ${found}.`, extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }) }]);
  };
  const ran = (res: Answer) => {
    expect(res.errors).toBeUndefined();
    expect(res.data).toMatchObject({ credentials: { totalCount: expect.any(Number) } });
    expect(upstream().length).toBeGreaterThan(0);
  };

  it('allows an operation costing exactly the limit, and refuses one costing one more, sending nothing', async () => {
    expect(Number.isInteger(MAX)).toBe(true);
    expect(cost(OVER_LIMIT)).toBe(MAX + 1);
    ran(await gql(AT_LIMIT));
    h.reset();
    refusedAsTooCostly(await gql(OVER_LIMIT), MAX + 1);
    expect(upstream()).toEqual([]);
  });

  describe('judges each named operation of a document on its own', () => {
    const document = (tag: string) =>
      `query Cheap${tag} { credentials(first: 1, filter: { accounts: ["${PROD}"] }) { totalCount } } ` +
      `query Costly${tag} { credentials(first: 500, filter: { accounts: ["${PROD}"] }) { totalCount } }`;

    it('refuses the costly operation after the cheap one of the same document ran, sending nothing', async () => {
      const query = document('A');
      ran(await gql(query, 'CheapA'));
      h.reset();
      refusedAsTooCostly(await gql(query, 'CostlyA'), cost(query, {}, 'CostlyA'));
      expect(upstream()).toEqual([]);
    });

    it('runs the cheap operation after the costly one of the same document was refused', async () => {
      const query = document('B');
      refusedAsTooCostly(await gql(query, 'CostlyB'), cost(query, {}, 'CostlyB'));
      expect(upstream()).toEqual([]);
      ran(await gql(query, 'CheapB'));
    });
  });
});

describe('the cost limit in a batch', () => {
  const [PROD, STAGING] = ['auth0-prod', 'auth0-staging'];
  /** Half the limit each: two fit within it, a third goes past it. */
  const half = (account: string) => `{ credentials(first: 5, filter: { accounts: ["${account}"] }) { totalCount } }`;
  const MAX = 2 * cost(half(PROD));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ accounts: { auth0: [PROD, STAGING] }, config: { limits: { maxCost: MAX, batching: 5 } } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());

  type Answer = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
  const batch = async (...queries: string[]): Promise<Answer[]> => (await (await h.post(JSON.stringify(queries.map((query) => ({ query }))))).json()) as Answer[];
  const ran = (res: Answer) => {
    expect(res.errors).toBeUndefined();
    expect(res.data).toMatchObject({ credentials: { totalCount: expect.any(Number) } });
  };

  it('counts the cost of all its operations against one limit: the operation that goes past it is refused, sending nothing', async () => {
    const [first, second, third] = await batch(half(PROD), half(PROD), half(STAGING));
    ran(first!);
    ran(second!);
    expect(third!.data ?? null).toBeNull();
    expect(third!.errors).toEqual([
      { message: `Query Cost limit of ${MAX} exceeded, found ${1.5 * MAX} with the operations before it in this batch.`, extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }) },
    ]);
    expect(h.sim(STAGING).apiRequests()).toEqual([]);
  });

  it('runs a batch whose operations together stay within the limit, and each batch has a limit of its own', async () => {
    for (let round = 0; round < 2; round++) {
      const answers = await batch(half(PROD), half(STAGING));
      answers.forEach(ran);
    }
    expect(h.sim(STAGING).apiRequests().length).toBeGreaterThan(0);
  });
});

describe("an owner's credentials within an owner's credentials", () => {
  const PROD = 'auth0-prod';
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ accounts: { auth0: [PROD] } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());

  type Answer = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
  const gql = async (query: string): Promise<Answer> => (await (await h.post(JSON.stringify({ query }))).json()) as Answer;
  const PAGE = `credentials(first: 500, filter: { accounts: ["${PROD}"] })`;

  it.each([
    ['nested in place', `{ ${PAGE} { edges { node { owner { credentials { owner { credentials { owner { credentials { id } } } } } } } } } }`],
    ['through named fragments', `{ ${PAGE} { edges { node { owner { ...Outer } } } } } fragment Outer on CredentialOwner { credentials { owner { ...Inner } } } fragment Inner on Auth0Client { credentials { id } }`],
    ['under node, on an owner type', '{ node(id: "any") { ... on Auth0Client { credentials { owner { ... on Auth0Client { credentials { id } } } } } } }'],
  ])('refuses them %s before anything runs: the inner list is the outer one again, multiplied at every level', async (_how, query) => {
    const res = await gql(query);
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toEqual([{ message: expect.stringMatching(/^An owner's credentials are selected within an owner's credentials/), extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }) }]);
    expect(h.sim(PROD).apiRequests()).toEqual([]);
  });

  it("answers an owner's credentials selected once, each list holding the credential it was reached from", async () => {
    const res = await gql(`{ ${PAGE} { edges { node { id owner { credentials { id } } } } } }`);
    expect(res.errors).toBeUndefined();
    const edges = (res.data!.credentials as { edges: { node: { id: string; owner: { credentials: { id: string }[] } | null } }[] }).edges;
    expect(edges.length).toBeGreaterThan(0);
    for (const { node } of edges.filter((e) => e.node.owner)) expect(node.owner!.credentials.map((c) => c.id)).toContain(node.id);
  });
});
