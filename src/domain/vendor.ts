/**
 * The vendors the gateway speaks to. Adding one: a folder under src/vendors, its registry line,
 * and its name here. The list cannot be read off the registry: the GraphQL `Vendor` enum is built
 * from it while the vendor modules, which import the schema, are still loading. A test checks
 * that the two agree.
 */
export const VENDORS = ['AUTH0', 'CONDUCTORONE', 'KEYCARD', 'VAULT'] as const;
export type Vendor = (typeof VENDORS)[number];
