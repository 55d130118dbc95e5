import { createHash, randomBytes } from 'node:crypto';
import type { CredentialType, HealthStatus } from './api.js';
import { healthOf, type SimVaultCredential, type VaultState } from './simulator.js';

const DAY = 86_400_000;
const iso = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString();
const EXPIRING_WINDOW_DAYS = 14;

/** Name-based (v5-style) UUIDs, so a sandbox's ids read the same every start. */
export function seedUuid(name: string): string {
  const h = createHash('sha1').update(`vault-sandbox/${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Fresh random secrets each start: they never leave the simulator anyway. */
function secretFor(type: CredentialType): string {
  const b = (n: number) => randomBytes(n).toString('base64');
  switch (type) {
    case 'CREDENTIAL_TYPE_PASSWORD':
      return randomBytes(18).toString('base64url');
    case 'CREDENTIAL_TYPE_API_KEY':
      return `sk_live_${randomBytes(24).toString('hex')}`;
    case 'CREDENTIAL_TYPE_TLS_CERTIFICATE':
      return `-----BEGIN PRIVATE KEY-----\n${b(48)}\n-----END PRIVATE KEY-----\n`;
    case 'CREDENTIAL_TYPE_SSH_KEY':
      return `-----BEGIN OPENSSH PRIVATE KEY-----\n${b(48)}\n-----END OPENSSH PRIVATE KEY-----\n`;
    default:
      return b(24);
  }
}

interface Spec {
  name: string;
  type: CredentialType;
  expiresInDays: number | null;
  createdBy: string;
  description?: string;
  createdDaysAgo: number;
  lastOpDaysAgo: number;
  /** Override the computed verdict (e.g. a record imported before the vault judged it). */
  health?: HealthStatus;
}

const SPECS: Spec[] = [
  { name: 'payments-db-password', type: 'CREDENTIAL_TYPE_PASSWORD', expiresInDays: -20, createdBy: 'alice@example.com', description: 'Postgres role for the payments service', createdDaysAgo: 400, lastOpDaysAgo: 110 },
  { name: 'stripe-api-key', type: 'CREDENTIAL_TYPE_API_KEY', expiresInDays: 9, createdBy: 'terraform', description: 'Stripe restricted key (charges:write)', createdDaysAgo: 355, lastOpDaysAgo: 355 },
  { name: 'api.example.com TLS', type: 'CREDENTIAL_TYPE_TLS_CERTIFICATE', expiresInDays: 21, createdBy: 'cert-manager', description: 'Public edge certificate', createdDaysAgo: 69, lastOpDaysAgo: 69 },
  { name: 'deploy-bot SSH key', type: 'CREDENTIAL_TYPE_SSH_KEY', expiresInDays: 200, createdBy: 'bob@example.com', createdDaysAgo: 165, lastOpDaysAgo: 30 },
  { name: 'github-actions-token', type: 'CREDENTIAL_TYPE_API_KEY', expiresInDays: 400, createdBy: 'terraform', description: 'Fine-grained PAT for release workflows', createdDaysAgo: 10, lastOpDaysAgo: 10 },
  { name: 'ldap-bind-password', type: 'CREDENTIAL_TYPE_PASSWORD', expiresInDays: null, createdBy: 'alice@example.com', description: 'Service bind for the directory sync', createdDaysAgo: 900, lastOpDaysAgo: 300 },
  { name: 'backup-gpg-passphrase', type: 'CREDENTIAL_TYPE_UNSPECIFIED', expiresInDays: null, createdBy: 'legacy-import', createdDaysAgo: 1200, lastOpDaysAgo: 1200, health: 'CREDENTIAL_HEALTH_STATUS_UNSPECIFIED' },
  { name: 'mtls-client-cert', type: 'CREDENTIAL_TYPE_TLS_CERTIFICATE', expiresInDays: -3, createdBy: 'cert-manager', description: 'Client certificate for the partner API', createdDaysAgo: 368, lastOpDaysAgo: 368 },
];

/**
 * Realistic vault contents: every credential type, expiries past, near (< 30 days), far and none,
 * one legacy record whose type and health the vault never set.
 */
export function vaultSeed(token: string): VaultState {
  const credentials = SPECS.map((s): SimVaultCredential => {
    const expiresAt = s.expiresInDays === null ? undefined : iso(s.expiresInDays);
    return {
      uuid: seedUuid(s.name),
      name: s.name,
      ...(s.description ? { description: s.description } : {}),
      type: s.type,
      healthStatus: s.health ?? healthOf(expiresAt, EXPIRING_WINDOW_DAYS),
      ...(expiresAt ? { expiresAt } : {}),
      createdBy: s.createdBy,
      createDate: iso(-s.createdDaysAgo),
      lastOpDate: iso(-s.lastOpDaysAgo),
      value: secretFor(s.type),
    };
  });
  return { tokens: [token], credentials, operations: [], expiringWindowDays: EXPIRING_WINDOW_DAYS, rateLimit: null };
}
