import { getOperationAST, parse, validate } from 'graphql';
import { parseConfig } from '../../src/config.js';
import { costOf } from '../../src/page-cost.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY, graphiqlTabs, ROTATE_EXAMPLE, UPDATE_EXAMPLE } from '../../src/schema/example-operations.js';
import { getSchema } from '../../src/schema/index.js';
import { vendorModules } from '../../src/vendors/registry.js';

describe('the GraphiQL example operation', () => {
  it('is valid against the schema, like the update and rotation examples of the other tabs', () => {
    for (const doc of [DEFAULT_QUERY, UPDATE_EXAMPLE, ROTATE_EXAMPLE]) expect(validate(getSchema(), parse(doc))).toEqual([]);
  });

  it('opens three tabs whose variables name the examples’ variables, with an expiry in the future', () => {
    const tabs = graphiqlTabs('{"X-API-Key":"k"}', new Date('2030-01-01T00:00:00Z'));
    expect(tabs.map((t) => t.query)).toEqual([DEFAULT_QUERY, UPDATE_EXAMPLE, ROTATE_EXAMPLE]);
    expect(JSON.parse(tabs[1]!.variables!)).toMatchObject({ expiresAt: '2030-07-02T00:00:00Z', key: expect.any(String) });
    expect(Object.keys(JSON.parse(tabs[2]!.variables!))).toEqual(['connectionId', 'key']);
    expect(tabs.every((t) => t.headers === '{"X-API-Key":"k"}')).toBe(true);
  });

  it('stays within the default cost limit even at the largest page', () => {
    const { limits } = parseConfig({ auth: 'none', accounts: [{ vendor: 'vault', name: 'v', baseUrl: 'http://127.0.0.1:1', token: 't' }] });
    const largest = DEFAULT_QUERY.replace(/first: \d+/, 'first: 500');
    expect(largest).not.toBe(DEFAULT_QUERY);
    const document = parse(largest);
    expect(costOf(getSchema(), document, getOperationAST(document)!, {})).toBeLessThanOrEqual(limits.maxCost);
  });

  it("shows every vendor's credential fields", () => {
    for (const m of vendorModules) for (const f of m.exampleFields) expect(DEFAULT_QUERY).toContain(f);
  });
});
