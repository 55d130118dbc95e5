import { describe, expect, it } from 'vitest';
import { VENDORS } from '../../src/domain/vendor.js';
import { vendorModules } from '../../src/vendors/registry.js';

describe('the vendor registry', () => {
  it('names every registered vendor in VENDORS (the GraphQL Vendor enum), in the same order', () => {
    expect(vendorModules.map((m) => m.vendor)).toEqual([...VENDORS]);
  });

  it('gives every vendor its own config name', () => {
    const names = vendorModules.map((m) => m.configName);
    expect(new Set(names).size).toBe(names.length);
  });
});
