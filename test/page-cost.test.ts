import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { costOf } from '../src/page-cost.js';
import { getSchema } from '../src/schema/index.js';

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
