import { readFileSync } from 'node:fs';
import { Kind, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { getSchema } from '../src/schema/index.js';

/** The README's fenced GraphQL examples are what newcomers paste first: each must be valid for the schema. */
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
/** Operations only: a block of SDL (another subgraph's schema, say) is not asked of this schema. */
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)]
  .map((m) => parse(m[1]!))
  .filter((doc) => doc.definitions.every((d) => d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION));

describe('the README', () => {
  it('has GraphQL examples', () => expect(examples.length).toBeGreaterThanOrEqual(2));

  it.each(examples.map((doc, i) => [i + 1, doc] as const))('has operation example %i valid against the schema', (_, doc) => {
    expect(validate(getSchema(), doc).map((e) => e.message)).toEqual([]);
  });
});
