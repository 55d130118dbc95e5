import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { parse, validate } from 'graphql';
import { parseConfig } from '../../src/config.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY } from '../../src/schema/example-operations.js';
import { getSchema } from '../../src/schema/index.js';
import { vendorModules } from '../../src/vendors/registry.js';

describe('the GraphiQL example operation', () => {
  it('is valid against the schema', () => {
    expect(validate(getSchema(), parse(DEFAULT_QUERY))).toEqual([]);
  });

  it('stays within the default cost limit even at the largest page', () => {
    const { limits } = parseConfig({ auth: 'none', accounts: [{ vendor: 'vault', name: 'v', baseUrl: 'http://127.0.0.1:1', token: 't' }] });
    const largest = DEFAULT_QUERY.replace(/first: \d+/, 'first: 500');
    expect(largest).not.toBe(DEFAULT_QUERY);
    expect(validate(getSchema(), parse(largest), [costLimitRule({ maxCost: limits.maxCost })])).toEqual([]);
  });

  it("shows every vendor's credential fields", () => {
    for (const m of vendorModules) for (const f of m.exampleFields) expect(DEFAULT_QUERY).toContain(f);
  });
});
