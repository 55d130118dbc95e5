/**
 * The vendors the gateway speaks to. Adding one: a folder under src/vendors, its registry line,
 * its name here, and its described value of the GraphQL `Vendor` enum (src/schema/enums.ts, which
 * the compiler checks against this list). The list cannot be read off the registry: the enum is
 * built while the vendor modules, which import the schema, are still loading. A test checks that
 * the list and the registry agree.
 */
export const VENDORS = ['AUTH0', 'CONDUCTORONE', 'KEYCARD', 'VAULT'] as const;
export type Vendor = (typeof VENDORS)[number];
