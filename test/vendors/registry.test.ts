import { describe, expect, it } from 'vitest';
import { VENDORS } from '../../src/domain/vendor.js';
import { getSchema } from '../../src/schema/index.js';
import { vendorModules } from '../../src/vendors/registry.js';

describe('the vendor registry', () => {
  it('registers a module for every vendor in VENDORS, and for no other', () => {
    expect(vendorModules.map((m) => m.vendor).sort()).toEqual([...VENDORS].sort());
  });

  it('gives every vendor its own enum value and config name', () => {
    for (const names of [vendorModules.map((m) => m.vendor), vendorModules.map((m) => m.configName)]) {
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('makes the GraphQL Vendor enum: one value per registered vendor, described by its module', () => {
    const values = getSchema().getType('Vendor')!.toConfig() as { values: Record<string, { description?: string | null }> };
    // Sorted, as the built schema sorts it, whatever the registry's order.
    expect(Object.keys(values.values)).toEqual(vendorModules.map((m) => m.vendor).sort());
    for (const m of vendorModules) expect(values.values[m.vendor]!.description).toBe(m.description);
  });
});
