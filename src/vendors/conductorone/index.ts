import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import type { VendorModule } from '../module.js';
import { conductorOneAccountSchema, type ConductorOneAccountConfig } from './account.js';
import { ConductorOneAccount } from './adapter.js';
import { registerConductorOneSchema } from './graphql.js';
import { CONDUCTORONE_KINDS } from './records.js';
import { conductorOneSeed } from './seed.js';
import { startConductorOneSimulator } from './simulator.js';

/** The secret format C1 hands out once at credential creation. */
export function encodeClientSecret(privateJwk: JWK): string {
  return `secret-token:conductorone.com:v1:${Buffer.from(JSON.stringify(privateJwk)).toString('base64url')}`;
}

export const conductorOne: VendorModule<ConductorOneAccountConfig> = {
  vendor: 'CONDUCTORONE',
  description: 'ConductorOne: service-principal client credentials.',
  configName: 'conductorone',
  accountSchema: conductorOneAccountSchema,
  secretFields: ['clientSecret'],
  kinds: CONDUCTORONE_KINDS,
  // C1 publishes no limits and answers 429 with Retry-After; a budget that keeps a fan-out polite.
  defaultRateLimit: { perSecond: 20, burst: 50 },
  createAccount: (config, deps) => new ConductorOneAccount(config, deps),
  registerSchema: registerConductorOneSchema,
  // Names no other vendor is likely to use: the example query selects every vendor's fields together.
  exampleFields: ['... on ConductorOneCredential { servicePrincipalId requireDpop scopedRoleIds }'],
  async startSandbox(name) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const tenantHost = `${name.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}.conductor.one`;
    const gateway = { id: 'gateway-sandbox', publicKey: publicKey.export({ format: 'jwk' }) as JWK };
    const simulator = await startConductorOneSimulator(conductorOneSeed(tenantHost, gateway));
    return {
      simulator,
      config: {
        vendor: 'conductorone',
        name,
        clientId: `${gateway.id}@${tenantHost}/spc`,
        clientSecret: encodeClientSecret(privateKey.export({ format: 'jwk' }) as JWK),
        // API and token calls go to the simulator; `aud` stays the tenant host from the client id.
        baseUrl: simulator.url,
      },
    };
  },
};
