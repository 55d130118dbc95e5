/**
 * The benchmark's upstream: one loopback simulator per vendor, seeded with `owners` owners each
 * holding `perOwner` credentials (the first Auth0 client holds `bigOwner`, the page Q2 reads).
 * Run as a script it prints one JSON line ({@link BenchUpstream}) on stdout and serves until
 * SIGTERM; the simulators' `/__sim/*` control API (latency, stats, recording) steers it.
 *
 *   tsx bench/simulators.ts --owners 20 --per-owner 2 --big-owner 50 --latency 0
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { JWK } from 'jose';
import { ref } from '../src/domain/ref.js';
import { globalIdOf } from '../src/schema/global-id.js';
import type { SimulatorHandle } from '../src/sim/server.js';
import { T as A0 } from '../src/vendors/auth0/records.js';
import { generateKey, startAuth0Simulator, type SimClient, type SimConnection, type SimCredential } from '../src/vendors/auth0/simulator.js';
import { encodeClientSecret } from '../src/vendors/conductorone/index.js';
import { ksuid } from '../src/vendors/conductorone/seed.js';
import { startConductorOneSimulator, type SimCredential as C1Credential, type SimServicePrincipal } from '../src/vendors/conductorone/simulator.js';
import { keycardClientId } from '../src/vendors/keycard/seed.js';
import { startKeycardSimulator, type SimCredential as KcCredential, type SimServiceAccount } from '../src/vendors/keycard/simulator.js';
import { startVaultSimulator, type SimVaultCredential } from '../src/vendors/vault/simulator.js';
import { seedUuid } from '../src/vendors/vault/seed.js';

export interface SeedOptions {
  /** Owners per vendor (Auth0: clients plus one keyed connection; the vault has no owners). */
  owners: number;
  /** Credentials per owner; the vault holds owners × perOwner credentials. */
  perOwner: number;
  /** Credentials of the first Auth0 client (Q2 reads a page of 50 of them). */
  bigOwner: number;
  latencyMs: number;
}

/** What the gateway config, the direct client and the scenarios need; JSON-safe. */
export interface BenchUpstream {
  seed: SeedOptions;
  /** Raw account configs (as a config file holds them), one per vendor. */
  accounts: Record<string, unknown>[];
  sims: { account: string; vendor: string; url: string }[];
  /** Everything the direct client needs to call the vendors itself. */
  direct: {
    auth0: { url: string; clientId: string; clientSecret: string };
    conductorone: { url: string; clientId: string; clientSecret: string };
    keycard: { url: string; organizationId: string; clientId: string; clientSecret: string };
    vault: { url: string; token: string };
  };
  /** Ids the scenarios address. */
  fixtures: {
    /** Q1: an Auth0 client credential (global id and its vendor path). */
    credential: { id: string; clientId: string; credentialId: string };
    /** Q2: the Auth0 client holding `bigOwner` credentials. */
    bigOwner: { id: string; clientId: string };
    /** Q4: the Auth0 credential updateCredential changes. */
    updated: { id: string };
    /** Q5: the keyed Auth0 connection rotateConnectionKeys rotates. */
    connection: { id: string };
  };
  /** `expiresBefore` of Q3: about half of the expiring credentials match. */
  expiresBefore: string;
}

const DAY = 86_400_000;
const NOW = Date.now();
const iso = (days: number) => new Date(NOW + days * DAY).toISOString();
/** A spread of expiries: past, within 30 days, far, and (every 7th) none. */
const expiryDays = (i: number): number | null => (i % 7 === 6 ? null : ((i * 53) % 420) - 40);
const EXPIRES_BEFORE_DAYS = 180;
const pad = (i: number) => String(i).padStart(3, '0');
const hex = (n: number) => randomBytes(n).toString('hex');

export interface BenchSimulators {
  upstream: BenchUpstream;
  handles: SimulatorHandle[];
  close(): Promise<void>;
}

export async function startBenchSimulators(seed: SeedOptions): Promise<BenchSimulators> {
  const { owners, perOwner, bigOwner, latencyMs } = seed;
  const handles: SimulatorHandle[] = [];

  // Auth0: owners - 1 clients and one keyed (okta) connection with two signing keys.
  const tenant = 'bench.auth0.local';
  const m2m = { clientId: 'bench-gateway', clientSecret: randomBytes(24).toString('base64url') };
  const clients: SimClient[] = [];
  const a0Credentials = new Map<string, SimCredential[]>();
  for (let o = 0; o < Math.max(1, owners - 1); o++) {
    const client: SimClient = {
      client_id: `cl${hex(15)}`,
      tenant,
      name: `Service ${pad(o)}`,
      description: `Machine client ${o}`,
      app_type: 'non_interactive',
      is_first_party: true,
      client_secret: randomBytes(24).toString('base64url'),
    };
    clients.push(client);
    const count = o === 0 ? bigOwner : perOwner;
    a0Credentials.set(
      client.client_id,
      Array.from({ length: count }, (_, i) => {
        const days = expiryDays(o * 7 + i);
        return {
          id: `cred_${hex(8)}`,
          name: `${client.name} key ${i}`,
          kid: hex(16),
          alg: 'RS256',
          credential_type: 'public_key',
          thumbprint_sha256: randomBytes(32).toString('base64url'),
          created_at: iso(-200),
          updated_at: iso(-30),
          ...(days === null ? {} : { expires_at: iso(days) }),
        } satisfies SimCredential;
      }),
    );
  }
  const okta: SimConnection = { id: `con_${hex(8)}`, name: 'okta-workforce', display_name: 'okta workforce', strategy: 'okta', realms: ['okta-workforce'], is_domain_connection: false };
  const [current, next] = await Promise.all([generateKey(tenant, 'RS256', { current: true }), generateKey(tenant, 'RS256', { next: true })]);
  const auth0 = await startAuth0Simulator(
    {
      tenant,
      m2m,
      tokenTtlSeconds: 86_400,
      tokens: new Map(),
      rateLimit: null,
      clients,
      credentials: a0Credentials,
      connections: [okta],
      keys: new Map([[okta.id, [current, next]]]),
    },
    { latencyMs },
  );
  handles.push(auth0);

  // ConductorOne: the gateway's own principal is one of the owners (its credential signs in).
  const tenantHost = 'bench.conductor.one';
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const gatewayCredentialId = 'bench-gateway-00001';
  const principals: SimServicePrincipal[] = [];
  const c1Credentials = new Map<string, C1Credential[]>();
  for (let o = 0; o < owners; o++) {
    const id = ksuid(`${tenantHost}/${o}`);
    const displayName = o === 0 ? 'credential-gateway' : `Principal ${pad(o)}`;
    principals.push({
      id,
      displayName,
      createdAt: iso(-300),
      updatedAt: iso(-100),
      user: { id, displayName, email: null, status: 'ENABLED', type: 'USER_TYPE_SERVICE' },
    });
    c1Credentials.set(
      id,
      Array.from({ length: perOwner }, (_, i) => {
        const credId = o === 0 && i === 0 ? gatewayCredentialId : `cred-${pad(o)}-${pad(i)}-${hex(3)}`;
        const days = o === 0 && i === 0 ? 365 : expiryDays(o * 5 + i);
        return {
          id: credId,
          clientId: `${credId}@${tenantHost}/spc`,
          displayName: `${displayName} credential ${i}`,
          servicePrincipalId: id,
          allowSourceCidrs: [],
          scopedRoleIds: [],
          requireDpop: false,
          createdAt: iso(-180),
          expiresAt: days === null ? null : iso(days),
          lastUsedAt: iso(-1),
        };
      }),
    );
  }
  const c1ClientId = `${gatewayCredentialId}@${tenantHost}/spc`;
  const conductorone = await startConductorOneSimulator(
    {
      tenantHost,
      tokenTtlSeconds: 3600,
      tokens: new Map(),
      publicKeys: new Map([[c1ClientId, publicKey.export({ format: 'jwk' }) as JWK]]),
      usedNonces: new Set(),
      rateLimit: null,
      defaultPageSize: 25,
      maxPageSize: 100,
      principals,
      credentials: c1Credentials,
    },
    { latencyMs },
  );
  handles.push(conductorone);

  // Keycard: service accounts and their credentials (Keycard credentials never expire).
  const org = { id: 'orgbench0000000000000000000', label: 'bench' };
  const kcGateway = { clientId: keycardClientId('bench/gateway'), clientSecret: randomBytes(32).toString('base64url') };
  const serviceAccounts: SimServiceAccount[] = [];
  const kcCredentials = new Map<string, KcCredential[]>();
  for (let o = 0; o < owners; o++) {
    const sa: SimServiceAccount = { id: `sa${pad(o)}${hex(11)}`, name: `service-account-${pad(o)}`, description: `Workload ${o}`, created_at: iso(-300), updated_at: iso(-100) };
    serviceAccounts.push(sa);
    kcCredentials.set(
      sa.id,
      Array.from({ length: perOwner }, (_, i) => ({
        id: `kc${pad(o)}${pad(i)}${hex(9)}`,
        client_id: keycardClientId(`bench/${o}/${i}`),
        name: `${sa.name}-secret-${i}`,
        created_at: iso(-90),
        last_used_at: iso(-1),
      })),
    );
  }
  const keycard = await startKeycardSimulator(
    {
      organization: org,
      tokenTtlSeconds: 3600,
      tokens: new Map(),
      refreshTokens: [],
      secrets: new Map([[kcGateway.clientId, kcGateway.clientSecret]]),
      rateLimit: null,
      serviceAccounts,
      credentials: kcCredentials,
      permissions: new Map(),
    },
    { latencyMs },
  );
  handles.push(keycard);

  // The vault: no owners, one list of owners × perOwner credentials.
  const vaultToken = `vlt_${randomBytes(24).toString('base64url')}`;
  const vaultCredentials: SimVaultCredential[] = Array.from({ length: owners * perOwner }, (_, i) => {
    const days = expiryDays(i);
    return {
      uuid: seedUuid(`bench/${i}`),
      name: `secret-${pad(i)}`,
      description: `Bench secret ${i}`,
      type: 'CREDENTIAL_TYPE_API_KEY',
      healthStatus: 'CREDENTIAL_HEALTH_STATUS_VALID',
      ...(days === null ? {} : { expiresAt: iso(days) }),
      createdBy: 'bench',
      createDate: iso(-100),
      lastOpDate: iso(-10),
      value: randomBytes(16).toString('hex'),
    };
  });
  const vault = await startVaultSimulator(
    { tokens: [vaultToken], credentials: vaultCredentials, operations: [], expiringWindowDays: 14, rateLimit: null },
    { latencyMs },
  );
  handles.push(vault);

  // Under load the simulators only count; full recording would grow without bound.
  for (const h of handles) h.setRecording(false);

  const big = clients[0]!;
  const q1Client = clients[1] ?? big;
  const q1Credential = a0Credentials.get(q1Client.client_id)![0]!;
  const updatedClient = clients[2] ?? q1Client;
  const updatedCredential = a0Credentials.get(updatedClient.client_id)!.at(-1)!;
  const upstream: BenchUpstream = {
    seed,
    accounts: [
      { vendor: 'auth0', name: 'auth0-bench', baseUrl: auth0.url, clientId: m2m.clientId, clientSecret: m2m.clientSecret },
      { vendor: 'conductorone', name: 'c1-bench', clientId: c1ClientId, clientSecret: encodeClientSecret(privateKey.export({ format: 'jwk' }) as JWK), baseUrl: conductorone.url },
      { vendor: 'keycard', name: 'keycard-bench', baseUrl: keycard.url, organizationId: org.id, clientId: kcGateway.clientId, clientSecret: kcGateway.clientSecret },
      { vendor: 'vault', name: 'vault-bench', baseUrl: vault.url, token: vaultToken },
    ],
    sims: [
      { account: 'auth0-bench', vendor: 'auth0', url: auth0.url },
      { account: 'c1-bench', vendor: 'conductorone', url: conductorone.url },
      { account: 'keycard-bench', vendor: 'keycard', url: keycard.url },
      { account: 'vault-bench', vendor: 'vault', url: vault.url },
    ],
    direct: {
      auth0: { url: auth0.url, clientId: m2m.clientId, clientSecret: m2m.clientSecret },
      conductorone: { url: conductorone.url, clientId: c1ClientId, clientSecret: encodeClientSecret(privateKey.export({ format: 'jwk' }) as JWK) },
      keycard: { url: keycard.url, organizationId: org.id, clientId: kcGateway.clientId, clientSecret: kcGateway.clientSecret },
      vault: { url: vault.url, token: vaultToken },
    },
    fixtures: {
      credential: {
        id: globalIdOf(ref(A0.clientCredential, 'auth0-bench', q1Client.client_id, q1Credential.id)),
        clientId: q1Client.client_id,
        credentialId: q1Credential.id,
      },
      bigOwner: { id: globalIdOf(ref(A0.client, 'auth0-bench', big.client_id)), clientId: big.client_id },
      updated: { id: globalIdOf(ref(A0.clientCredential, 'auth0-bench', updatedClient.client_id, updatedCredential.id)) },
      connection: { id: globalIdOf(ref(A0.connection, 'auth0-bench', okta.id)) },
    },
    expiresBefore: iso(EXPIRES_BEFORE_DAYS),
  };
  return { upstream, handles, close: async () => void (await Promise.all(handles.map((h) => h.close()))) };
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const { values } = parseArgs({
    options: {
      owners: { type: 'string', default: '20' },
      'per-owner': { type: 'string', default: '2' },
      'big-owner': { type: 'string', default: '50' },
      latency: { type: 'string', default: '0' },
    },
  });
  const sims = await startBenchSimulators({
    owners: Number(values.owners),
    perOwner: Number(values['per-owner']),
    bigOwner: Number(values['big-owner']),
    latencyMs: Number(values.latency),
  });
  process.stdout.write(`${JSON.stringify(sims.upstream)}\n`);
  const stop = () => void sims.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
