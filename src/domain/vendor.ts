/**
 * The vendors the gateway speaks to, by their value of the GraphQL `Vendor` enum. Adding one: its
 * name here, its folder under src/vendors and its registry entry; the enum and its descriptions,
 * the config's vendor names and the sandbox follow from the registry (a test checks that it lists
 * exactly these). The list is kept here, not read off the registry, because the idempotency codec
 * parses stored records against it when it loads, and the domain imports nothing from the vendors.
 */
export const VENDORS = ['AUTH0', 'CONDUCTORONE', 'KEYCARD', 'VAULT'] as const;
export type Vendor = (typeof VENDORS)[number];
