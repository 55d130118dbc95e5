import { randomBytes } from 'node:crypto';
import type { VendorModule } from '../module.js';
import { auth0AccountSchema, type Auth0AccountConfig } from './account.js';
import { Auth0Account } from './adapter.js';
import { registerAuth0Schema } from './graphql.js';
import { AUTH0_KINDS } from './records.js';
import { auth0Seed } from './seed.js';
import { startAuth0Simulator } from './simulator.js';

export const auth0: VendorModule<Auth0AccountConfig> = {
  vendor: 'AUTH0',
  description: 'Auth0 (Management API): client credentials and connection signing keys.',
  configName: 'auth0',
  accountSchema: auth0AccountSchema,
  secretFields: ['clientSecret'],
  kinds: AUTH0_KINDS,
  // Auth0's free-tier Management API limit; paid tenants may raise it in the config.
  defaultRateLimit: { perSecond: 10, burst: 120 },
  createAccount: (config, deps) => new Auth0Account(config, deps),
  registerSchema: registerAuth0Schema,
  exampleFields: ['... on Auth0ClientCredential { kid credentialType }', '... on Auth0ConnectionKey { kid role algorithm }'],
  async startSandbox(name) {
    const m2m = { clientId: `sandbox-${name}`, clientSecret: randomBytes(24).toString('base64url') };
    const simulator = await startAuth0Simulator(await auth0Seed(`${name}.sandbox.auth0.local`, m2m));
    return {
      simulator,
      config: { vendor: 'auth0', name, baseUrl: simulator.url, clientId: m2m.clientId, clientSecret: m2m.clientSecret },
    };
  },
};
