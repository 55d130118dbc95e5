/** The vendors the gateway speaks to. Adding one: a folder under src/vendors and one registry line. */
export const VENDORS = ['AUTH0', 'CONDUCTORONE', 'KEYCARD', 'VAULT'] as const;
export type Vendor = (typeof VENDORS)[number];
