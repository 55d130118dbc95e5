import { createHash, randomBytes } from 'node:crypto';
import { generateKey, type Auth0State, type SimClient, type SimConnection, type SimCredential } from './simulator.js';

const DAY = 86_400_000;
const iso = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString();
/** Deterministic, Auth0-looking ids so a sandbox reads the same every start. */
const id = (prefix: string, seed: string, length = 22) =>
  prefix + createHash('sha256').update(seed).digest('base64url').replace(/[-_]/g, 'x').slice(0, length);

function credential(tenant: string, name: string, type: SimCredential['credential_type'], expiresInDays: number | null): SimCredential {
  return {
    id: id('cred_', `${tenant}/${name}`),
    name,
    kid: id('', `${tenant}/${name}/kid`, 43),
    alg: 'RS256',
    credential_type: type,
    ...(type === 'cert_subject_dn' ? { subject_dn: `CN=${name.toLowerCase().replace(/\s+/g, '-')}.example.com` } : {}),
    thumbprint_sha256: createHash('sha256').update(name).digest('base64url'),
    created_at: iso(-200),
    updated_at: iso(-30),
    ...(expiresInDays === null ? {} : { expires_at: iso(expiresInDays) }),
  };
}

function client(tenant: string, name: string, appType: string, description?: string): SimClient {
  return {
    client_id: id('', `${tenant}/${name}`, 32),
    tenant,
    name,
    ...(description ? { description } : {}),
    app_type: appType,
    is_first_party: true,
    client_secret: randomBytes(32).toString('base64url'),
  };
}

/**
 * Realistic tenant contents: clients whose credentials expired, expire soon, expire late or never,
 * one client without credentials, two keyed connections (okta, oidc) and one without keys.
 */
export async function auth0Seed(tenant: string, m2m: { clientId: string; clientSecret: string }): Promise<Auth0State> {
  const billing = client(tenant, 'Billing Service', 'non_interactive', 'Charges customers nightly');
  const inventory = client(tenant, 'Inventory Sync', 'non_interactive');
  const analytics = client(tenant, 'Analytics Export', 'non_interactive');
  const portal = client(tenant, 'Customer Portal', 'regular_web');
  const credentials = new Map<string, SimCredential[]>([
    [billing.client_id, [credential(tenant, 'billing-2024', 'public_key', -12), credential(tenant, 'billing-2025', 'public_key', 9), credential(tenant, 'billing-next', 'public_key', 400)]],
    [inventory.client_id, [credential(tenant, 'inventory-key', 'public_key', null), credential(tenant, 'inventory-mtls', 'x509_cert', 21)]],
    [analytics.client_id, [credential(tenant, 'analytics-dn', 'cert_subject_dn', 180)]],
  ]);
  const connection = (name: string, strategy: string): SimConnection => ({
    id: id('con_', `${tenant}/${name}`, 16),
    name,
    display_name: name.replace(/-/g, ' '),
    strategy,
    realms: [name],
    is_domain_connection: false,
  });
  const okta = connection('okta-workforce', 'okta');
  const oidc = connection('partner-oidc', 'oidc');
  const db = connection('Username-Password-Authentication', 'auth0');
  const [oktaCurrent, oktaNext, oidcPrevious, oidcCurrent, oidcNext] = await Promise.all([
    generateKey(tenant, 'RS256', { current: true }, new Date(Date.now() - 700 * DAY)),
    generateKey(tenant, 'RS256', { next: true }),
    generateKey(tenant, 'RS256', { previous: true }, new Date(Date.now() - 900 * DAY)),
    generateKey(tenant, 'RS256', { current: true }, new Date(Date.now() - 400 * DAY)),
    generateKey(tenant, 'ES256', { next: true }),
  ]);
  oktaCurrent.current_since = iso(-300);
  oidcCurrent.current_since = iso(-100);
  return {
    tenant,
    m2m,
    tokenTtlSeconds: 86_400,
    tokens: new Map(),
    rateLimit: null,
    clients: [billing, inventory, analytics, portal],
    credentials,
    connections: [okta, oidc, db],
    keys: new Map([
      [okta.id, [oktaCurrent, oktaNext]],
      [oidc.id, [oidcPrevious, oidcCurrent, oidcNext]],
    ]),
  };
}
