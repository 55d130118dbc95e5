import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import type { ConductorOneState, SimCredential, SimServicePrincipal, SimUser } from './simulator.js';

const DAY = 86_400_000;
const iso = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString();
const digest = (seed: string) => createHash('sha256').update(seed).digest();

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Deterministic KSUID-looking ids (27 base62 characters), so a sandbox reads the same every start. */
export function ksuid(seed: string): string {
  const bytes = [...digest(seed), ...digest(`${seed}#`)];
  return bytes
    .slice(0, 27)
    .map((b) => BASE62[b % 62])
    .join('');
}

const ADJECTIVES = ['brave', 'calm', 'eager', 'gentle', 'happy', 'jolly', 'lucky', 'proud', 'quiet', 'swift'];
const ANIMALS = ['otter', 'falcon', 'badger', 'heron', 'lynx', 'marten', 'osprey', 'puffin', 'wombat', 'yak'];
/** C1 credential ids are "cutenames" (`happy-otter-12345`); the client id starts with it. */
function cutename(seed: string): string {
  const d = digest(seed);
  return `${ADJECTIVES[d[0]! % 10]}-${ANIMALS[d[1]! % 10]}-${String(d.readUInt16BE(2) % 100_000).padStart(5, '0')}`;
}

function principal(tenant: string, displayName: string, extra: Partial<SimUser> = {}, ageDays = 400): SimServicePrincipal {
  const id = ksuid(`${tenant}/${displayName}`);
  return {
    id,
    displayName,
    createdAt: iso(-ageDays),
    updatedAt: iso(-Math.floor(ageDays / 3)),
    user: { id, displayName, email: null, status: 'ENABLED', type: 'USER_TYPE_SERVICE', ...extra },
  };
}

interface CredentialSeed {
  name: string;
  expiresInDays: number | null;
  id?: string;
  lastUsedDaysAgo?: number | null;
  allowSourceCidrs?: string[];
  scopedRoleIds?: string[];
  requireDpop?: boolean;
}

function credential(tenant: string, sp: SimServicePrincipal, c: CredentialSeed): SimCredential {
  const id = c.id ?? cutename(`${tenant}/${sp.id}/${c.name}`);
  return {
    id,
    clientId: `${id}@${tenant}/spc`,
    displayName: c.name,
    servicePrincipalId: sp.id,
    allowSourceCidrs: c.allowSourceCidrs ?? [],
    scopedRoleIds: c.scopedRoleIds ?? [],
    requireDpop: c.requireDpop ?? false,
    createdAt: iso(-180),
    expiresAt: c.expiresInDays === null ? null : iso(c.expiresInDays),
    lastUsedAt: c.lastUsedDaysAgo === null || c.lastUsedDaysAgo === undefined ? null : iso(-c.lastUsedDaysAgo),
  };
}

export interface GatewayClient {
  /** Cutename of the gateway's own credential, e.g. `gateway-sandbox`. */
  id: string;
  /** Public half of its Ed25519 key. */
  publicKey: JWK;
}

/**
 * A tenant with a credential-gateway principal (whose credential the gateway signs in with),
 * credentials that expired, expire within 30 days, expire late or never, one DPoP-bound, one
 * source-restricted, and a disabled principal without credentials.
 */
export function conductorOneSeed(tenantHost: string, gateway: GatewayClient): ConductorOneState {
  const gatewaySp = principal(tenantHost, 'credential-gateway', {}, 30);
  const terraform = principal(tenantHost, 'Terraform CI');
  const okta = principal(tenantHost, 'Okta Sync Connector', { email: 'okta-sync@acme.example' });
  const slack = principal(tenantHost, 'Access Request Bot', { type: 'USER_TYPE_AGENT' }, 90);
  const auditor = principal(tenantHost, 'Legacy Backup Auditor', { status: 'DISABLED' }, 900);

  const roles = { readOnly: ksuid(`${tenantHost}/role/read-only`), appAdmin: ksuid(`${tenantHost}/role/app-admin`) };
  const credentials = new Map<string, SimCredential[]>([
    [gatewaySp.id, [credential(tenantHost, gatewaySp, { id: gateway.id, name: 'credential-gateway (sandbox)', expiresInDays: 365, scopedRoleIds: [roles.readOnly] })]],
    [
      terraform.id,
      [
        credential(tenantHost, terraform, { name: 'terraform-2024', expiresInDays: -20, lastUsedDaysAgo: 25 }),
        credential(tenantHost, terraform, {
          name: 'terraform-2025',
          expiresInDays: 12,
          lastUsedDaysAgo: 0,
          allowSourceCidrs: ['10.20.0.0/16', '2001:db8:4:2::/64'],
          scopedRoleIds: [roles.appAdmin],
        }),
      ],
    ],
    [
      okta.id,
      [
        credential(tenantHost, okta, { name: 'okta-sync', expiresInDays: 300, lastUsedDaysAgo: 1, requireDpop: true }),
        credential(tenantHost, okta, { name: 'okta-sync-legacy', expiresInDays: null, lastUsedDaysAgo: 120 }),
      ],
    ],
    [slack.id, [credential(tenantHost, slack, { name: 'access-bot', expiresInDays: 25, lastUsedDaysAgo: null })]],
  ]);
  const gatewayCredential = credentials.get(gatewaySp.id)![0]!;
  return {
    tenantHost,
    tokenTtlSeconds: 3600,
    tokens: new Map(),
    publicKeys: new Map([[gatewayCredential.clientId, gateway.publicKey]]),
    usedNonces: new Set(),
    rateLimit: null,
    defaultPageSize: 25,
    maxPageSize: 100,
    principals: [gatewaySp, terraform, okta, slack, auditor],
    credentials,
  };
}
