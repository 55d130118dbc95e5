import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY } from '../../src/schema/example-operations.js';
import { getSchema } from '../../src/schema/index.js';
import { vendorModules } from '../../src/vendors/registry.js';

describe('the GraphiQL example operation', () => {
  it('is valid against the schema', () => {
    expect(validate(getSchema(), parse(DEFAULT_QUERY))).toEqual([]);
  });

  it("shows every vendor's credential fields", () => {
    for (const m of vendorModules) for (const f of m.exampleFields) expect(DEFAULT_QUERY).toContain(f);
  });
});
