import { createHash, randomBytes } from 'node:crypto';
import type { KeycardState, SimCredential, SimPermissions, SimServiceAccount } from './simulator.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const digest = (seed: string) => createHash('sha256').update(seed).digest();
/** Deterministic 26-char lowercase nanoids, as Keycard issues, so a sandbox reads the same every start. */
const nanoid = (seed: string) => [...digest(seed)].slice(0, 26).map((b) => '0123456789abcdefghijklmnopqrstuvwxyz'[b % 36]).join('');
/** 21-char client ids like `A1b2C3d4E5f6G7h8I9j0K`. */
export const keycardClientId = (seed: string) => digest(`client/${seed}`).toString('base64url').replace(/[-_]/g, 'x').slice(0, 21);

const SA_PERMISSIONS: SimPermissions = {
  service_accounts: { read: true, update: true, delete: true },
  credentials: { read: true, create: true, update: true, delete: true },
};
const CREDENTIAL_PERMISSIONS: SimPermissions = { credentials: { read: true, update: true, delete: true } };
const READ_ONLY: SimPermissions = { service_accounts: { read: true, update: false, delete: false }, credentials: { read: true, create: false } };

/**
 * A realistic organization: the gateway's own service account, workers with recently used,
 * stale and never-used client credentials, and one service account without credentials.
 * Keycard credentials have no expiry, so every one is NEVER_EXPIRES.
 */
export function keycardSeed(label: string, gateway: { clientId: string; clientSecret: string }): KeycardState {
  const org = { id: nanoid(`org/${label}`), label };
  const serviceAccounts: SimServiceAccount[] = [];
  const credentials = new Map<string, SimCredential[]>();
  const secrets = new Map<string, string>();
  const permissions = new Map<string, SimPermissions>();

  const serviceAccount = (name: string, description: string | null, createdDaysAgo: number, perms = SA_PERMISSIONS) => {
    const sa: SimServiceAccount = {
      id: nanoid(`${label}/${name}`),
      name,
      ...(description ? { description } : {}),
      created_at: ago(createdDaysAgo * DAY),
      updated_at: ago(Math.floor(createdDaysAgo / 3) * DAY),
    };
    serviceAccounts.push(sa);
    permissions.set(sa.id, perms);
    return sa;
  };
  const credential = (
    sa: SimServiceAccount,
    name: string,
    o: { description?: string; createdDaysAgo: number; lastUsedAgoMs?: number; clientId?: string; secret?: string },
  ) => {
    const c: SimCredential = {
      id: nanoid(`${label}/${sa.name}/${name}`),
      client_id: o.clientId ?? keycardClientId(`${label}/${sa.name}/${name}`),
      name,
      ...(o.description ? { description: o.description } : {}),
      created_at: ago(o.createdDaysAgo * DAY),
      ...(o.lastUsedAgoMs === undefined ? {} : { last_used_at: ago(o.lastUsedAgoMs) }),
    };
    credentials.set(sa.id, [...(credentials.get(sa.id) ?? []), c]);
    secrets.set(c.client_id, o.secret ?? randomBytes(32).toString('base64url'));
    permissions.set(c.id, CREDENTIAL_PERMISSIONS);
    return c;
  };

  const self = serviceAccount('credential-gateway', 'Inventories and renames machine credentials', 120);
  credential(self, 'gateway', { description: 'Used by credential-gateway', createdDaysAgo: 120, lastUsedAgoMs: 5 * 60_000, clientId: gateway.clientId, secret: gateway.clientSecret });
  const billing = serviceAccount('billing-worker', 'Charges customers nightly', 400);
  credential(billing, 'billing-prod', { description: 'Production secret, in Vault at kv/billing/keycard', createdDaysAgo: 300, lastUsedAgoMs: 2 * HOUR });
  credential(billing, 'billing-rotation-2025', { description: 'Standby secret for the next rotation', createdDaysAgo: 20 });
  const terraform = serviceAccount('terraform-ci', 'Applies infrastructure changes from CI', 250);
  credential(terraform, 'github-actions', { createdDaysAgo: 200, lastUsedAgoMs: 1 * DAY });
  credential(terraform, 'atlantis', { description: 'Legacy Atlantis runner', createdDaysAgo: 240, lastUsedAgoMs: 95 * DAY });
  const exporter = serviceAccount('data-export', null, 90);
  credential(exporter, 'snowflake-sync', { description: 'Nightly export to Snowflake', createdDaysAgo: 60, lastUsedAgoMs: 9 * HOUR });
  serviceAccount('audit-reader', 'Read-only access for the quarterly access review', 30, READ_ONLY);

  return {
    organization: org,
    tokenTtlSeconds: 3600,
    tokens: new Map(),
    refreshTokens: [],
    secrets,
    rateLimit: null,
    serviceAccounts,
    credentials,
    permissions,
  };
}
